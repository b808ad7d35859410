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
        var file = new Argument<string?>("FILE")
        {
            Description = "the deployment file (HOCON); the embedded default deployment when left out",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("check", "Check a deployment file and print its services, without starting anything.");
        command.Arguments.Add(file);
        command.SetAction(async (result, _) =>
        {
            if (await DeploymentFiles.LoadAsync(loader, result.GetValue(file)) is not { } deployment)
                return ExitCodes.Usage;
            Console.Out.WriteLine($"{deployment.Source}: ok");
            Print(deployment.Services, "  ");
            return ExitCodes.Success;
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
