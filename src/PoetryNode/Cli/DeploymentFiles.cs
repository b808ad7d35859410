using PoetryActors.Deployment;

namespace PoetryNode.Cli;

/// <summary>Loads the deployment a command names (or the embedded default), reporting every problem on stderr.</summary>
internal static class DeploymentFiles
{
    /// <summary>The checked deployment, or null after its errors were written to stderr.</summary>
    public static async Task<NodeDeployment?> LoadAsync(DeploymentLoader loader, string? path)
    {
        try
        {
            return path is null ? loader.Load(DefaultDeployment.Text, DefaultDeployment.Source) : loader.LoadFile(path);
        }
        catch (DeploymentException e)
        {
            foreach (var error in e.Errors)
            {
                await Console.Error.WriteLineAsync($"poetry-node: {error}");
            }

            return null;
        }
    }
}
