using System.Diagnostics;
using System.Text;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// A poetry-node command run to its end with its raw stdout kept byte for byte (poems must come
/// out exactly as served) and its stderr as text. A run that outlives its deadline is killed and
/// fails the test with what it had printed.
/// </summary>
public sealed record CompletedRun(int ExitCode, byte[] Stdout, string Stderr)
{
    /// <summary>stdout decoded as UTF-8.</summary>
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    /// <summary>stderr, line by line.</summary>
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Both streams, for failure messages.</summary>
    public string Transcript => $"exit code {ExitCode}\n--- stdout ---\n{StdoutText}\n--- stderr ---\n{Stderr}";

    /// <summary>Runs <c>poetry-node</c> with <paramref name="args"/> until it exits.</summary>
    public static Task<CompletedRun> RunAsync(params string[] args) => RunAsync(args, TimeSpan.FromSeconds(60));

    /// <summary>Runs <c>poetry-node</c> as <paramref name="user"/> (and <see cref="RootFactAttribute.Group"/>, through setpriv; the tests run as root).</summary>
    public static Task<CompletedRun> RunAsUserAsync(string user, params string[] args) =>
        RunAsync(args, TimeSpan.FromSeconds(60), openFiles: null, user);

    /// <summary>Runs <c>poetry-node</c> with <paramref name="args"/> until it exits, or kills it after <paramref name="timeout"/>.</summary>
    public static Task<CompletedRun> RunAsync(IEnumerable<string> args, TimeSpan timeout) => RunAsync(args, timeout, openFiles: null);

    /// <summary>
    /// Runs <c>poetry-node</c> with <paramref name="args"/> under an open-files limit of
    /// <paramref name="openFiles"/> (<c>ulimit -n</c>, soft and hard) until it exits, or kills it after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<CompletedRun> RunAsync(IEnumerable<string> args, TimeSpan timeout, int? openFiles, string? user = null)
    {
        var info = new ProcessStartInfo(user is not null ? "setpriv" : openFiles is null ? "dotnet" : "/bin/sh")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (user is not null)
        {
            foreach (var arg in new[] { $"--reuid={user}", $"--regid={RootFactAttribute.Group}", "--clear-groups", openFiles is null ? "dotnet" : "/bin/sh" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        if (openFiles is { } limit)
        {
            foreach (var arg in new[] { "-c", $"ulimit -n {limit} && exec dotnet \"$@\"", "sh" })
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

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start poetry-node");
        process.StandardInput.Close();
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(NodeProcess.Scaled(timeout));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await copy;
            throw new TimeoutException(
                $"poetry-node {string.Join(' ', args)} did not exit in time\n{new CompletedRun(-1, stdout.ToArray(), await stderr).Transcript}");
        }

        await copy;
        return new CompletedRun(process.ExitCode, stdout.ToArray(), await stderr);
    }
}
