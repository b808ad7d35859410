using System.CommandLine;
using PoetryActors.Deployment;

namespace PoetryNode.Cli;

/// <summary>
/// <c>poetry-node check [FILE]</c>: checks a deployment exactly as <c>run</c> would, prints the
/// service tree it describes, and starts nothing. For operators editing a file before a reload.
/// </summary>
public static class CheckCommand
{
    /// <summary>The <c>check</c> command.</summary>
    public static Command Create(DeploymentLoader loader)
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
            var paths = result.GetValue(files) is { Length: > 0 } given ? given.Select(p => (string?)p) : [null];
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
                    Console.Out.WriteLine($"  cluster member: remoting {cluster.Hostname}:{cluster.Port}, seeds [{string.Join(", ", cluster.SeedNodes)}], roles [{string.Join(", ", cluster.Roles)}]");
            }
            return exit;
        });
        return command;
    }

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
