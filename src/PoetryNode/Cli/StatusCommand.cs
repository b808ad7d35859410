using System.CommandLine;
using PoetryNode.Status;

namespace PoetryNode.Cli;

/// <summary>
/// <c>poetry-node status [--url http://HOST:PORT] [--json]</c>: asks a running node's status
/// endpoint what it is doing and prints its services, health and counters as a table (or the
/// endpoint's JSON). Exits 0 when the node is ready, 1 when it answers but is not, 2 when nothing
/// answers.
/// </summary>
internal static class StatusCommand
{
    /// <summary>Where the embedded default deployment serves its status.</summary>
    public const string DefaultUrl = "http://localhost:10080";

    /// <summary>The <c>status</c> command.</summary>
    public static Command Create(DaemonOptions serve)
    {
        var url = new Option<string>("--url")
        {
            Description = $"the node's status endpoint (its poetry.status port) [default: {DefaultUrl}]",
            HelpName = "URL",
            DefaultValueFactory = _ => DefaultUrl,
        };
        var json = new Option<bool>("--json") { Description = "print the endpoint's JSON document instead of a table" };
        var timeout = new Option<double>("--timeout")
        {
            Description = "seconds to wait for an answer [default: 5]",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("status", "Show a running node's services, health and counters (exit 0 ready, 1 not ready, 2 no answer).");
        command.Options.Add(url);
        command.Options.Add(json);
        command.Options.Add(timeout);
        command.SetAction(async (result, cancel) =>
        {
            // A client of a node, not a node: the serving options given before it do not apply.
            if (serve.Misplaced(result) is { Count: > 0 } misplaced)
            {
                return await CheckCommand.RefuseAsync("status", misplaced);
            }

            var given = result.GetValue(url)!;
            if (!Uri.TryCreate(given.Contains("://", StringComparison.Ordinal) ? given : "http://" + given, UriKind.Absolute, out var baseUrl)
                || baseUrl.Scheme is not ("http" or "https"))
            {
                await Console.Error.WriteLineAsync($"poetry-node status: --url: expected http://HOST:PORT but got '{given}'");
                return ExitCodes.Usage;
            }
            var seconds = result.GetValue(timeout);
            if (seconds is <= 0 or > 3600)
            {
                await Console.Error.WriteLineAsync($"poetry-node status: --timeout: expected seconds from 0 to 3600 but got {seconds}");
                return ExitCodes.Usage;
            }

            var (status, text, problem) = await StatusClient.FetchAsync(baseUrl, TimeSpan.FromSeconds(seconds), cancel);
            if (status is null)
            {
                await Console.Error.WriteLineAsync($"poetry-node status: {problem}");
                return NothingAnswers;
            }
            await Console.Out.WriteAsync(result.GetValue(json) ? text + Environment.NewLine : StatusClient.Format(status));
            return status.Ready ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The exit code when no status endpoint answers (the same number as a usage error, as the contract says).</summary>
    public const int NothingAnswers = 2;
}
