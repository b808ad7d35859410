using System.CommandLine;
using PoetryActors.Deployment;
using PoetryNode.Hosting;

namespace PoetryNode.Cli;

/// <summary>
/// <c>poetry-node run [FILE]</c>: runs a HOCON deployment (our <c>.tac</c> file), or the one
/// embedded in the executable when no file is given. The whole file is checked first; any
/// problem is reported with the file, the entry and the key, and nothing starts.
/// </summary>
public static class RunCommand
{
    /// <summary>The <c>run</c> command.</summary>
    public static Command Create(DeploymentLoader loader, ServeOptions serve)
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "the deployment file (HOCON); the embedded default deployment when left out",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("run", "Run a deployment: the services listed in a HOCON file, or the embedded default.");
        command.Arguments.Add(file);
        command.SetAction(async (result, _) =>
        {
            if (await DeploymentFiles.LoadAsync(loader, result.GetValue(file)) is not { } deployment)
                return ExitCodes.Usage;
            return await NodeHost.RunAsync(deployment, serve.Read(result));
        });
        return command;
    }
}
