using Akka.Configuration;
using PoetryActors.Services;

namespace PoetryActors.Deployment;

/// <summary>
/// A checked deployment (our <c>.tac</c> file): the node's services in start order, where they
/// came from, and the whole configuration of the file (its <c>akka</c> and <c>poetry</c>
/// settings, on top of the library's defaults).
/// </summary>
public sealed record NodeDeployment(string Source, IReadOnlyList<DeploymentEntry> Services, Config Config)
{
    /// <summary>The root collection's children, ready to give to the node.</summary>
    public IReadOnlyList<ServiceSpec> ToServiceSpecs() => Services.Select(s => s.ToServiceSpec(Config)).ToList();

    /// <summary>
    /// Whether the node joins a cluster: the deployment has a <c>poetry.cluster</c> section of its
    /// own (the defaults in reference.conf do not count), or the command line asked for it.
    /// </summary>
    public bool JoinsCluster { get; init; }

    /// <summary>
    /// The longest an orderly stop of every service may take: the root collection stops them one
    /// after another, each within its budget (<see cref="ServiceSpec.StopBudget"/>).
    /// </summary>
    public TimeSpan StopBudget => ServiceSpec.Collection("node", ToServiceSpecs(), ServiceCollectionSettings).StopBudget!.Value;

    /// <summary>The settings of the root collection.</summary>
    public ServiceCollectionSettings ServiceCollectionSettings => ServiceCollectionSettings.Create(Config);
}
