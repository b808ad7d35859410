using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace PoetryActors.Tests.Support;

/// <summary>
/// Runs the Twisted test peers of <c>tests/twisted/</c> (copied beside the tests) with Debian's
/// <c>/usr/bin/python3</c>: a client run to its exit, or a server kept running until disposed.
/// Every run has a deadline, after which the process is killed and the test fails with what it
/// wrote. Tests that need Twisted are marked <see cref="FactAttribute"/> or
/// <see cref="TheoryAttribute"/> (<c>[TwistedPeer.Fact]</c>) and are skipped, with the reason,
/// only where that Python cannot import Twisted.
/// </summary>
internal static partial class TwistedPeer
{
    /// <summary>The Python that has Twisted (the first python3 on PATH may not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> UnavailableReason = new(ProbeTwisted);

    /// <summary>Why the Twisted peers cannot run here, or <c>null</c> when they can.</summary>
    public static string? Unavailable => UnavailableReason.Value;

    /// <summary>The path of a peer script, e.g. <c>netstring_client.py</c>.</summary>
    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "twisted", name);

    /// <summary>What a client peer did: its exit code, its stdout as bytes, its stderr as text.</summary>
    public sealed record Run(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string StdoutText => Encoding.UTF8.GetString(Stdout);
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> to its exit; kills it and fails at the deadline.</summary>
    public static async Task<Run> RunAsync(string script, IEnumerable<string> args, TimeSpan deadline)
    {
        using var process = Start(script, args);
        var stdout = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new TimeoutException($"{script} did not finish within {deadline.TotalSeconds:0.#} s; stderr: {await TailAsync(stderr)}");
        }

        await reading;
        return new Run(process.ExitCode, stdout.ToArray(), await stderr);
    }

    /// <summary>
    /// Starts a server peer (<c>--port 0</c> is added) and waits for its <c>listening on PORT</c>
    /// line; kills it and fails if that does not come by the deadline.
    /// </summary>
    public static async Task<Server> StartServerAsync(string script, IEnumerable<string> args, TimeSpan deadline)
    {
        var process = Start(script, ["--port", "0", .. args]);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            var match = line is null ? null : ListeningLine().Match(line);
            if (match is not { Success: true })
            {
                throw new InvalidOperationException($"{script} printed '{line}' instead of 'listening on <port>'; stderr: {await TailAsync(stderr)}");
            }

            return new Server(process, int.Parse(match.Groups[1].Value), stderr);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            process.Dispose();
            throw new TimeoutException($"{script} was not listening within {deadline.TotalSeconds:0.#} s; stderr: {await TailAsync(stderr)}");
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>A running server peer on 127.0.0.1; disposing kills it and waits for it to be gone.</summary>
    public sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;

        internal Server(Process process, int port, Task<string> stderr)
        {
            _process = process;
            Port = port;
            _stderr = stderr;
        }

        /// <summary>The port it listens on.</summary>
        public int Port { get; }

        /// <summary>Its address.</summary>
        public System.Net.IPEndPoint Address => new(System.Net.IPAddress.Loopback, Port);

        /// <summary>The address as the poetry programs write it.</summary>
        public PoetryActors.Kinds.NetAddress NetAddress => new("127.0.0.1", Port);

        public async ValueTask DisposeAsync()
        {
            Kill(_process);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { /* killed; the kernel finishes it */ }
            try { await _stderr.WaitAsync(timeout.Token); }
            catch (OperationCanceledException) { }
            _process.Dispose();
        }
    }

    /// <summary>A fact that needs the Twisted peers: skipped, with the reason, where they cannot run.</summary>
    public sealed class FactAttribute : Xunit.FactAttribute
    {
        public FactAttribute()
        {
            if (Unavailable is { } reason)
            {
                Skip = reason;
            }
        }
    }

    /// <summary>A theory that needs the Twisted peers: skipped, with the reason, where they cannot run.</summary>
    public sealed class TheoryAttribute : Xunit.TheoryAttribute
    {
        public TheoryAttribute()
        {
            if (Unavailable is { } reason)
            {
                Skip = reason;
            }
        }
    }

    private static Process Start(string script, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        // Unbuffered, so a server's line arrives at once whatever it does about flushing.
        info.ArgumentList.Add("-u");
        info.ArgumentList.Add(Script(script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Python}");
        process.StandardInput.Close();
        return process;
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already gone */ }
    }

    private static async Task<string> TailAsync(Task<string> stderr)
    {
        // The stream ends once the process is gone; a killed process may take a moment.
        var text = await stderr.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "(not available)");
        return text.Length > 2000 ? "..." + text[^2000..] : text;
    }

    private static string? ProbeTwisted()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is not installed (the Twisted interop tests need Debian's python3-twisted)";
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import twisted"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                Kill(process);
                return $"{Python} -c 'import twisted' did not finish within 30 s";
            }

            return process.ExitCode == 0
                ? null
                : $"{Python} cannot import twisted (apt-get install python3-twisted): {stderr.Result.Trim().Split('\n')[^1]}";
        }
        catch (Exception e)
        {
            return $"cannot run {Python}: {e.Message}";
        }
    }

    [GeneratedRegex(@"^listening on (\d+)$")]
    private static partial Regex ListeningLine();
}
