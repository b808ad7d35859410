using System.CommandLine;
using PoetryActors.Deployment;

namespace PoetryNode.Cli;

/// <summary>
/// <c>poetry-node check [FILE]</c>: checks a deployment exactly as <c>run</c> would, prints the
/// service tree it describes, and starts nothing. For operators editing a file before a reload.
/// </summary>
internal static class CheckCommand
{
    /// <summary>The <c>check</c> command.</summary>
    public static Command Create(DeploymentLoader loader, DaemonOptions serve)
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "the deployment files (HOCON); the embedded default deployment when none is given",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("check", "Check deployment files and print their services, without starting anything.");
        command.Arguments.Add(files);
        command.SetAction(async (result, _) =>
        {
            if (serve.Misplaced(result) is { Count: > 0 } misplaced)
            {
                return await RefuseAsync("check", misplaced);
            }

            var paths = result.GetValue(files) is { Length: > 0 } given ? given.Select(p => (string?)p).ToList() : [null];
            // The parser takes an unknown --option for a file name; say what it is instead.
            if (paths.FirstOrDefault(p => p?.StartsWith("--", StringComparison.Ordinal) == true) is { } unknown)
            {
                return await RefuseAsync("check", [unknown]);
            }

            var exit = ExitCodes.Success;
            foreach (var path in paths)
            {
                if (await DeploymentFiles.LoadAsync(loader, path) is not { } deployment)
                {
                    exit = ExitCodes.Usage;
                    continue;
                }
                Console.Out.WriteLine($"{deployment.Source}: ok");
                Print(deployment.Services, "  ");
                if (deployment.JoinsCluster && PoetryActors.Cluster.PoetryClusterSettings.Create(deployment.Config) is var cluster)
                {
                    Console.Out.WriteLine($"  cluster member: remoting {cluster.Hostname}:{cluster.Port}, seeds [{string.Join(", ", cluster.SeedNodes)}], roles [{string.Join(", ", cluster.Roles)}]");
                }
            }
            return exit;
        });
        return command;
    }

    /// <summary>
    /// Refuses serving options given before a command that does not serve (<c>poetry-node
    /// --daemon check</c>): silently ignoring them would let the operator think they applied.
    /// </summary>
    internal static async Task<int> RefuseAsync(string command, IReadOnlyList<string> misplaced)
    {
        foreach (var option in misplaced)
        {
            await Console.Error.WriteLineAsync($"poetry-node {command}: {NotAnOption(command, option)}");
        }

        await Console.Error.WriteLineAsync($"Run 'poetry-node {command} --help' for usage.");
        return ExitCodes.Usage;
    }

    /// <summary>Why <paramref name="option"/> is refused by <paramref name="command"/>.</summary>
    internal static string NotAnOption(string command, string option) =>
        $"{option} is not an option of {command}"
        + (option.Split('=')[0] is "--daemon" or "--pidfile" or "--logfile" or "--logfile-size" or "--logfile-keep" or "--user" or "--group" or "--loglevel" or "--status-port"
            ? " (it applies only to the serving commands: run and the service kinds)"
            : "");

    private static void Print(IEnumerable<DeploymentEntry> entries, string indent)
    {
        foreach (var entry in entries)
        {
            if (entry.IsCollection)
            {
                Console.Out.WriteLine($"{indent}{entry.Name} (collection)");
                Print(entry.Children, indent + "  ");
            }
            else
            {
                Console.Out.WriteLine($"{indent}{entry.Name}: {entry.Kind!.Name} {entry.Options}");
            }
        }
    }
}
