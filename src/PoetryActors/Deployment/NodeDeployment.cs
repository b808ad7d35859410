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
    // The specs the loader built while checking the entries (or built on first use), kept with the
    // entries and settings they were built from: a copy made with 'with' builds its own again.
    private Built? _built;

    /// <summary>
    /// The root collection's children, ready to give to the node: one spec per entry, built once
    /// (by the loader, which builds them to check them) and the same on every call.
    /// </summary>
    public IReadOnlyList<ServiceSpec> ToServiceSpecs()
    {
        if (_built is { } built && ReferenceEquals(built.Services, Services) && ReferenceEquals(built.Config, Config))
        {
            return built.Specs;
        }

        var specs = Services.Select(s => s.ToServiceSpec(Config)).ToList();
        _built = new Built(Services, Config, specs);
        return specs;
    }

    /// <summary>This deployment, with the specs already built from its entries.</summary>
    internal NodeDeployment WithServiceSpecs(IReadOnlyList<ServiceSpec> specs)
    {
        _built = new Built(Services, Config, specs);
        return this;
    }

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

    private sealed record Built(IReadOnlyList<DeploymentEntry> Services, Config Config, IReadOnlyList<ServiceSpec> Specs);
}
