using System.Text.RegularExpressions;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// A poetry-node running as a daemon: not a child of the test (its launcher has exited), known by
/// its pid, its pid file and its log file in <see cref="Directory"/>. Disposing it kills the daemon
/// if it still runs, so no test leaves one behind.
/// </summary>
public sealed partial class DaemonNode : IAsyncDisposable
{
    private DaemonNode(int pid, string directory)
    {
        Pid = pid;
        Directory = directory;
    }

    /// <summary>The daemon's pid, as its launcher reported it.</summary>
    public int Pid { get; }

    /// <summary>Its working directory.</summary>
    public string Directory { get; }

    /// <summary>The default pid file.</summary>
    public string PidFile => Path.Combine(Directory, "poetry-node.pid");

    /// <summary>Whether the daemon still runs.</summary>
    public bool IsRunning => Posix.IsRunning(Pid);

    /// <summary>
    /// Runs <c>poetry-node --daemon</c> with <paramref name="args"/> in <paramref name="directory"/> and
    /// waits for the launcher to return. Returns the finished launcher and, when it started one,
    /// the daemon (null when the launcher reported no daemon).
    /// </summary>
    public static async Task<(NodeProcess Launcher, int ExitCode, DaemonNode? Daemon)> LaunchAsync(string directory, params string[] args)
    {
        var launcher = NodeProcess.Start(["--daemon", .. args], directory);
        var exitCode = await launcher.WaitForExitAsync();
        var started = launcher.StdoutLines.Select(l => Started().Match(l)).FirstOrDefault(m => m.Success);
        var daemon = started is null ? null : new DaemonNode(int.Parse(started.Groups["pid"].Value), directory);
        return (launcher, exitCode, daemon);
    }

    /// <summary>Every line of its log so far.</summary>
    public IReadOnlyList<string> LogLines => LogFiles.ReadLines(Directory);

    /// <summary>Waits for a log line matching <paramref name="pattern"/>.</summary>
    public Task<Match> WaitForLogLineAsync(Regex pattern, TimeSpan? timeout = null) =>
        LogFiles.WaitForLineAsync(Directory, pattern, timeout);

    /// <summary>The ports the daemon listens on, from its log, in log order.</summary>
    public async Task<IReadOnlyList<int>> WaitForStartAsync()
    {
        await WaitForLogLineAsync(NodeProcess.NodeStarted());
        return LogLines.Select(l => NodeProcess.ListeningOn().Match(l)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups["port"].Value)).ToList();
    }

    /// <summary>Sends it a signal.</summary>
    public void Signal(int signal) => Posix.Signal(Pid, signal);

    /// <summary>Waits until the daemon has exited.</summary>
    public async Task WaitForExitAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(timeout ?? TimeSpan.FromSeconds(30));
        while (IsRunning)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the daemon {Pid} did not exit within the deadline\n{string.Join('\n', LogLines)}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        try { Posix.Signal(Pid, Posix.SigKill); } catch (InvalidOperationException) { }
        try { await WaitForExitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
    }

    [GeneratedRegex(@"running as a daemon, pid (?<pid>\d+)")]
    private static partial Regex Started();
}
