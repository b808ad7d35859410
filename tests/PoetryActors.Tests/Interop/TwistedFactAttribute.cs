using System.Diagnostics;
using Xunit;

namespace PoetryActors.Tests.Interop;

/// <summary>
/// A fact that needs Twisted: skipped, with the reason, only when <c>/usr/bin/python3</c> cannot
/// import <c>twisted</c> (CI installs python3-twisted, so there it always runs).
/// </summary>
public sealed class TwistedFactAttribute : FactAttribute
{
    public TwistedFactAttribute()
    {
        if (Twisted.Unavailable is { } reason) Skip = reason;
    }
}

/// <summary>Runs the Twisted programs under <c>tests/twisted</c> with the system's Python.</summary>
public static class Twisted
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> LazyUnavailable = new(Probe);

    /// <summary>Why Twisted cannot be used here, or null when it can.</summary>
    public static string? Unavailable => LazyUnavailable.Value;

    /// <summary>A Twisted program copied beside the tests.</summary>
    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "twisted", name);

    /// <summary>The outcome of a Twisted program: exit code, stdout bytes and stderr text.</summary>
    public sealed record Outcome(int ExitCode, byte[] Stdout, string Stderr);

    /// <summary>
    /// Runs <paramref name="script"/> with <paramref name="arguments"/>; a run that outlives
    /// <paramref name="deadline"/> is killed (with its children) and throws <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<Outcome> RunAsync(string script, IEnumerable<string> arguments, TimeSpan deadline)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script(script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        using var timeout = new CancellationTokenSource(deadline);
        var stdout = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(stdout, timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await reading;
            return new Outcome(process.ExitCode, stdout.ToArray(), await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {deadline.TotalSeconds:0.#} s and was killed");
        }
    }

    private static string? Probe()
    {
        if (!File.Exists(Python)) return $"{Python} is not installed; the Twisted interop tests need it with Twisted (python3-twisted)";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import twisted"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return $"{Python} -c 'import twisted' did not finish within 30 s";
            }
            return process.ExitCode == 0
                ? null
                : $"{Python} cannot import twisted (install python3-twisted): {stderr.Result.Trim()}";
        }
        catch (Exception e)
        {
            return $"cannot run {Python}: {e.Message}";
        }
    }
}
