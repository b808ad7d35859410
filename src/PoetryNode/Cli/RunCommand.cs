using System.CommandLine;
using PoetryActors.Deployment;
using PoetryNode.Hosting;

namespace PoetryNode.Cli;

/// <summary>
/// <c>poetry-node run [FILE]</c>: runs a HOCON deployment (our <c>.tac</c> file), or the one
/// embedded in the executable when no file is given. The whole file is checked first; any
/// problem is reported with the file, the entry and the key, and nothing starts. SIGHUP reads
/// the file again and applies what changed.
/// </summary>
internal static class RunCommand
{
    /// <summary>The <c>run</c> command.</summary>
    public static Command Create(DeploymentLoader loader, DaemonOptions serve)
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "the deployment file (HOCON); the embedded default deployment when left out",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("run", "Run a deployment: the services listed in a HOCON file, or the embedded default.");
        command.Arguments.Add(file);
        serve.AddTo(command);
        var cluster = new Cluster.ClusterFlags();
        cluster.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var path = result.GetValue(file);
            if (await DeploymentFiles.LoadAsync(loader, path) is not { } loaded)
            {
                return ExitCodes.Usage;
            }

            var problems = new List<string>();
            if (cluster.Apply(result, loaded, problems) is not { } deployment)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync($"poetry-node: {problem}");
                }

                return ExitCodes.Usage;
            }
            // The same path, relative to the same working directory, on every reload.
            Func<NodeDeployment> reload = path is null
                ? () => loader.Load(DefaultDeployment.Text, DefaultDeployment.Source)
                : () => loader.LoadFile(path);
            return await NodeHost.RunAsync(new DeploymentSource(deployment.Source, deployment, reload), serve.Read(result));
        });
        return command;
    }
}
