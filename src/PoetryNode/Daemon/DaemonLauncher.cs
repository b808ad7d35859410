using System.Diagnostics;
using System.Reflection;

namespace PoetryNode.Daemon;

/// <summary>
/// The launching side of <c>--daemon</c>. A .NET process cannot <c>fork()</c> safely (its runtime
/// threads do not survive into the child), so the launcher starts the same executable again, with
/// the same arguments and working directory and a marker in its environment, as a fresh process:
/// the daemon (<see cref="DaemonChild"/>). It then waits, bounded, for the daemon's verdict: the
/// ready line on the daemon's stdout (its services are bound, its pid file written), or the
/// daemon's exit, whose one-line reasons on stderr are passed on with its exit code. Only then
/// does the shell get its prompt back.
/// </summary>
internal static class DaemonLauncher
{
    // A start is bounded per service by poetry.services.start-timeout; this is for the whole node.
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(60);

    // How long the launcher waits, once the daemon is ready, for it to close its ends of the pipes.
    private static readonly TimeSpan PipesLimit = TimeSpan.FromSeconds(5);

    /// <summary>Starts the daemon and returns the launcher's exit code.</summary>
    public static async Task<int> LaunchAsync(string? pidFile, string logFile)
    {
        using var daemon = new Process { StartInfo = StartInfo() };
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // End of file on both pipes: the daemon has moved its streams to /dev/null (or exited).
        var stdoutClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderrClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                stdoutClosed.TrySetResult();
            }
            else if (e.Data == DaemonChild.ReadyLine)
            {
                ready.TrySetResult();
            }
        };
        daemon.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                stderrClosed.TrySetResult();
            }
            else
            {
                Console.Error.WriteLine(e.Data);
            }
        };

        try
        {
            daemon.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"poetry-node: cannot start the daemon process: {e.Message}");
            return Cli.ExitCodes.Failure;
        }
        daemon.StandardInput.Close();
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();

        // Exits, and its streams closed: its stderr is all relayed by then.
        var exited = daemon.WaitForExitAsync();
        var limit = Task.Delay(ReadyLimit);
        var first = await Task.WhenAny(ready.Task, exited, limit);

        if (first == ready.Task)
        {
            // The ready line comes just before the daemon lets go of its pipes: return once it
            // has, so that whoever started us finds the daemon detached, its streams on /dev/null.
            await Task.WhenAny(Task.WhenAll(stdoutClosed.Task, stderrClosed.Task), Task.Delay(PipesLimit));
            var pid = pidFile is null ? "no pid file" : $"pid file {pidFile}";
            await Console.Out.WriteLineAsync($"poetry-node: running as a daemon, pid {daemon.Id} ({pid}; log {logFile})");
            return Cli.ExitCodes.Success;
        }

        if (first == exited)
        {
            if (daemon.ExitCode != 0)
            {
                return daemon.ExitCode;
            }

            await Console.Error.WriteLineAsync($"poetry-node: the daemon exited before it was ready; see {logFile}");
            return Cli.ExitCodes.Failure;
        }

        // Not ready in time: stop it (SIGTERM, so it shuts down in order) rather than leave a half-started node behind.
        await Console.Error.WriteLineAsync(
            $"poetry-node: the daemon (pid {daemon.Id}) was not ready within {ReadyLimit.TotalSeconds:0} s; stopping it. See {logFile}");
        Libc.kill(daemon.Id, Libc.SigTerm);
        return Cli.ExitCodes.Failure;
    }

    private static ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo
        {
            WorkingDirectory = Environment.CurrentDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // The apphost (poetry-node) runs itself; under the muxer (dotnet poetry-node.dll) the
        // muxer runs the entry assembly again.
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("the executable's path is unknown");
        info.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var argument in Environment.GetCommandLineArgs().Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[DaemonChild.Marker] = "1";
        return info;
    }
}
