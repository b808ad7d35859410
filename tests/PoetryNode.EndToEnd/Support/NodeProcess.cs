using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// A real poetry-node process started by a test: its output is collected line by line, lines
/// can be awaited with a deadline, signals can be sent, and disposing it kills whatever is left.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _newLine = new(0);
    private readonly string? _ownDirectory;

    private NodeProcess(Process process, string workingDirectory, bool ownsDirectory)
    {
        _process = process;
        WorkingDirectory = workingDirectory;
        _ownDirectory = ownsDirectory ? workingDirectory : null;
    }

    /// <summary>The folder the node runs in, where its pid file and a daemon's log file go by default.</summary>
    public string WorkingDirectory { get; }

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Every line written to stdout so far.</summary>
    public IReadOnlyList<string> StdoutLines => _stdout.ToArray();

    /// <summary>Every line written to stderr so far.</summary>
    public IReadOnlyList<string> StderrLines => _stderr.ToArray();

    /// <summary>Both streams, for failure messages.</summary>
    public string Transcript => "--- stdout ---\n" + string.Join('\n', _stdout) + "\n--- stderr ---\n" + string.Join('\n', _stderr);

    /// <summary>
    /// Starts <c>poetry-node</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>;
    /// by default in a fresh temporary folder of its own, deleted at the end, because a node writes
    /// its pid file (poetry-node.pid) in its working directory and tests run in parallel.
    /// </summary>
    public static NodeProcess Start(IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null) =>
        Start(args, workingDirectory, environment, networkNamespace: null);

    /// <summary>Starts it inside the network namespace <paramref name="networkNamespace"/> (<c>ip netns exec</c>, which execs: the pid is poetry-node's).</summary>
    public static NodeProcess StartIn(string networkNamespace, IEnumerable<string> args, string? workingDirectory = null) =>
        Start(args, workingDirectory, null, networkNamespace);

    private static NodeProcess Start(IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? environment, string? networkNamespace)
    {
        var ownsDirectory = workingDirectory is null;
        workingDirectory ??= Directory.CreateTempSubdirectory("poetry-node-e2e-").FullName;
        var info = new ProcessStartInfo(networkNamespace is null ? "dotnet" : "ip")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (networkNamespace is not null)
        {
            foreach (var arg in new[] { "netns", "exec", networkNamespace, "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(Paths.PoetryNodeDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(process, workingDirectory, ownsDirectory);
        process.OutputDataReceived += (_, e) => node.Add(node._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => node.Add(node._stderr, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Starts it with <paramref name="args"/>.</summary>
    public static NodeProcess Start(params string[] args) => Start((IEnumerable<string>)args);

    /// <summary>Waits for a stdout line matching <paramref name="pattern"/>; fails with the transcript at the deadline.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan? timeout = null, int skip = 0)
    {
        var deadline = DateTime.UtcNow + Scaled(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var matches = _stdout.Select(l => pattern.Match(l)).Where(m => m.Success).Skip(skip).ToList();
            if (matches.Count > 0)
            {
                return matches[0];
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no line matching /{pattern}/ within the deadline\n{Transcript}");
            }

            if (_process.HasExited && _stdout.All(l => !pattern.IsMatch(l)))
            {
                // Give the output pumps a moment to deliver the last lines.
                await _process.WaitForExitAsync();
                if (!_stdout.Any(l => pattern.IsMatch(l)))
                {
                    throw new InvalidOperationException($"poetry-node exited ({_process.ExitCode}) before printing /{pattern}/\n{Transcript}");
                }
            }
            await _newLine.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits for a stderr line containing <paramref name="text"/>; fails with the transcript at the deadline.</summary>
    public async Task WaitForErrorLineAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + Scaled(timeout ?? TimeSpan.FromSeconds(20));
        while (!_stderr.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no stderr line containing '{text}' within the deadline\n{Transcript}");
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"poetry-node exited ({_process.ExitCode}) before writing '{text}' on stderr\n{Transcript}");
            }

            await _newLine.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until the node reports it started, then returns the ports it listens on, in log order.</summary>
    public async Task<IReadOnlyList<int>> WaitForStartAsync(TimeSpan? timeout = null)
    {
        await WaitForLineAsync(NodeStarted(), timeout);
        return _stdout.Select(l => ListeningOn().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups["port"].Value)).ToList();
    }

    /// <summary>Sends a POSIX signal (SIGTERM = 15, SIGINT = 2, SIGHUP = 1).</summary>
    public void Signal(int signal) => Posix.Signal(_process.Id, signal);

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(Scaled(timeout ?? TimeSpan.FromSeconds(30)));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"poetry-node did not exit within the deadline\n{Transcript}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_ownDirectory is not null)
        {
            try { Directory.Delete(_ownDirectory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Stretches deadlines on slow machines: POETRY_TEST_TIME_FACTOR=3 triples them.</summary>
    public static TimeSpan Scaled(TimeSpan span) =>
        double.TryParse(Environment.GetEnvironmentVariable("POETRY_TEST_TIME_FACTOR"), out var factor) && factor > 0 ? span * factor : span;

    private void Add(ConcurrentQueue<string> queue, string? line)
    {
        if (line is null)
        {
            return;
        }

        queue.Enqueue(line);
        _newLine.Release();
    }

    [GeneratedRegex(@"listening on (?<host>[^\s]+):(?<port>\d+)$")]
    public static partial Regex ListeningOn();

    [GeneratedRegex(@"\bnode started$")]
    public static partial Regex NodeStarted();
}
