using System.Diagnostics;
using System.Text.RegularExpressions;
using PoetryActors.Kinds;

namespace PoetryActors.Tests.Support;

/// <summary>
/// A Twisted program of ours from tests/twisted/ (copied to the test output's twisted/ folder),
/// run with Debian's /usr/bin/python3, which has Twisted. It is started on port 0 and its real
/// port is read from its "listening on PORT" line; disposing it stops it with SIGTERM, as a
/// Twisted reactor expects, and kills it if it lingers.
/// </summary>
internal sealed partial class TwistedServerProcess : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly List<string> _stderr = [];

    private TwistedServerProcess(Process process, int port)
    {
        _process = process;
        Address = new NetAddress("127.0.0.1", port);
    }

    /// <summary>Where the peer listens.</summary>
    public NetAddress Address { get; }

    /// <summary>Starts tests/twisted/<paramref name="script"/> with <paramref name="args"/> and waits until it listens.</summary>
    public static async Task<TwistedServerProcess> StartAsync(string script, params string[] args)
    {
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twisted", script));
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        foreach (var arg in args) info.ArgumentList.Add(arg);

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Python}");
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (ListeningOn().Match(line) is { Success: true } match)
                    return new TwistedServerProcess(process, int.Parse(match.Groups["port"].Value));
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        throw new InvalidOperationException($"{script} did not report its port: {await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Twisted's reactor stops cleanly on SIGTERM.
            _ = Kill(_process.Id, 15);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^listening on (?<port>\d+)$")]
    private static partial Regex ListeningOn();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
