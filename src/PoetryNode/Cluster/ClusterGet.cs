using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Cluster.Transforms;
using PoetryActors.Download;
using PoetryActors.Kinds;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryNode.Cluster;

/// <summary>
/// <c>poetry-node get --cluster HOST:PORT --poem NAME ... [ADDR ...]</c>: the poems are looked up
/// in the catalog of a running cluster, downloaded over TCP from a node that serves them (the
/// answering member first), checked against the catalog's SHA-256, and tried on another node
/// when that fails; plain addresses mix in, in the order given, and download at once while the
/// catalog is asked; the outcomes come from one aggregator in request order.
/// <c>--transform NAME</c> without <c>--xform</c> goes through the cluster's transform providers
/// (members with the role <c>transform</c> first), each poem to the one with the fewest in flight;
/// then every download waits for the catalog, which lists the providers.
/// </summary>
internal sealed record ClusterGet(
    ContactPoints Contacts,
    TimeSpan Timeout,
    IReadOnlyList<ClusterPoetryClient.Target> Targets,
    bool TransformThroughCluster)
{
    // How long starting the question's remoting may take, on top of --timeout, before the
    // aggregation's safety deadline gives up on the downloads that wait for the catalog.
    private static readonly TimeSpan RemotingStartAllowance = TimeSpan.FromSeconds(10);

    /// <summary>What the question's actor system needs on top of the command's own settings: remoting and our serializers.</summary>
    public Config Config => CatalogClient.Config(ClusterContacts.ClientHostname(Contacts)).WithFallback(ClusterTransformSerializer.Config);

    /// <summary>The address each outcome names until its poem's node is known (a name's is the first contact).</summary>
    public IReadOnlyList<NetAddress> Placeholders => Targets.Select(t => t is ClusterPoetryClient.Target.At at ? at.Address : Contacts.Addresses[0]).ToList();

    /// <summary>What the live display shows for each download: the address, or the poem's name.</summary>
    public IReadOnlyList<string> Labels => Targets.Select(t => t.ToString()).ToList();

    /// <summary>
    /// Starts the catalog's question: with members' remoting addresses, on a thread of its own, an
    /// actor system with remoting (<paramref name="config"/> in front of <see cref="Config"/>), then
    /// the question to every contact; with their status endpoints, one HTTP request to each and no
    /// remoting (unless the cluster's transforms need it: then that system starts beside the
    /// question). The downloads run in the command's own system, which has no remoting, and need
    /// not wait for either to start.
    /// </summary>
    public CatalogQuestion Ask(Config config, DownloadSettings? settings, CancellationToken cancellationToken)
    {
        Task<ActorSystem> StartRemoting() => Task.Run(() => ActorSystem.Create(ClientDepartures.GetSystemName, config.WithFallback(Config)), cancellationToken);
        if (!Contacts.OverHttp)
        {
            return CatalogQuestion.OverRemoting(StartRemoting(), Contacts.Remoting, Timeout, cancellationToken);
        }

        var throughCluster = TransformThroughCluster && settings?.TransformServer is null;
        return CatalogQuestion.OverHttp(Contacts.StatusEndpoints, Timeout, throughCluster ? StartRemoting() : null, cancellationToken);
    }

    /// <summary>Downloads every target; a catalog that cannot be had fails every name with the reason.</summary>
    public async Task<IReadOnlyList<PoemOutcome>> FetchAsync(ActorSystem system, CatalogQuestion question, DownloadOptions options, CancellationToken cancellationToken)
    {
        var settings = options.Settings ?? DownloadSettings.Create(system.Settings.Config);
        var throughCluster = TransformThroughCluster && settings.TransformServer is null;
        async Task<ClusterPoetryClient.Catalogued> CataloguedAsync()
        {
            var answer = await question.Answer.ConfigureAwait(false);
            if (!throughCluster)
            {
                // The catalog is in and nothing else needs remoting: it shuts down while the poems download.
                question.Release();
                return new ClusterPoetryClient.Catalogued(answer, settings);
            }
            // Each poem goes to one of the cluster's transform providers, chosen and watched by a
            // router of this command's own (in the system with remoting); with none, every
            // transform fails at once saying so.
            var transforms = ClusterTransformSettings.Create(system.Settings.Config);
            var providers = answer is CatalogClient.Answer.Answered { Catalog: var catalog } ? ClusterTransforms.ProvidersIn(catalog) : [];
            var host = await question.RemotingAsync().ConfigureAwait(false) ?? system;
            var router = host.ActorOf(TransformRouterActor.ForProviders(transforms, providers), "cluster-transforms");
            return new ClusterPoetryClient.Catalogued(answer, settings with { TransformRouter = router });
        }

        var catalogued = CataloguedAsync();
        return await ClusterPoetryClient.AllSettledAsync(
            system, Targets, catalogued, Contacts.Addresses[0], options with { Settings = settings }, plainSettings: throughCluster ? null : settings,
            Timeout + RemotingStartAllowance, cancellationToken);
    }

    /// <summary>The stderr line of a failed outcome of a poem asked for by name, or null for a plain address (printed as today).</summary>
    public string? FailureLine(PoemOutcome.Failed failed) =>
        failed.Index < Targets.Count && Targets[failed.Index] is ClusterPoetryClient.Target.Poem poem
            ? $"poetry-node get: {poem.Name}: {failed.Failure.Detail}"
            : null;
}
