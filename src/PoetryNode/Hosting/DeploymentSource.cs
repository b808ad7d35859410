using PoetryActors.Deployment;

namespace PoetryNode.Hosting;

/// <summary>
/// Where a node's deployment comes from: <paramref name="Name"/> for the log, the deployment it
/// started with, and how to read it again on SIGHUP (the file for <c>run FILE</c>, the embedded
/// text for <c>run</c>, the command line's options for a kind). <paramref name="Reload"/> throws
/// <see cref="DeploymentException"/> with every problem.
/// </summary>
internal sealed record DeploymentSource(string Name, NodeDeployment Initial, Func<NodeDeployment> Reload);
