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
/// in the catalog of a running cluster (through the cluster client), downloaded over TCP from a
/// node that serves them (the answering member first), checked against the catalog's SHA-256, and
/// tried on another node when that fails; plain addresses mix in as usual, and the outcomes come
/// from one aggregator in request order. <c>--transform NAME</c> without <c>--xform</c> goes
/// through the cluster's transform providers (members with the role <c>transform</c> first), each
/// poem to the one with the fewest in flight.
/// </summary>
internal sealed record ClusterGet(
    IReadOnlyList<NetAddress> Contacts,
    TimeSpan Timeout,
    IReadOnlyList<ClusterPoetryClient.Target> Targets,
    bool TransformThroughCluster)
{
    /// <summary>What the get's actor system needs on top of its own settings: remoting and our serializer.</summary>
    public Config Config => CatalogClient.Config(ClusterContacts.ClientHostname(Contacts)).WithFallback(ClusterTransformSerializer.Config);

    /// <summary>Asks the catalog, then downloads every target; a catalog that cannot be had fails every target with the reason.</summary>
    public async Task<IReadOnlyList<PoemOutcome>> FetchAsync(ActorSystem system, DownloadOptions options, CancellationToken cancellationToken)
    {
        var answer = await CatalogClient.QueryAsync(system, Contacts, Timeout, cancellationToken);
        if (answer is not CatalogClient.Answer.Answered { Catalog: var catalog })
        {
            var reason = ((CatalogClient.Answer.NoAnswer)answer).Reason;
            return Targets.Select((t, i) => (PoemOutcome)new PoemOutcome.Failed(i, new DownloadFailed(
                t is ClusterPoetryClient.Target.At at ? at.Address : Contacts[0], DownloadStep.Downloader, FetchFailure.Other, reason))).ToList();
        }

        var settings = options.Settings ?? DownloadSettings.Create(system.Settings.Config);
        IActorRef? router = null;
        if (TransformThroughCluster && settings.TransformServer is null)
        {
            // Each poem goes to one of the cluster's transform providers, chosen and watched by a
            // router of this command's own; with none, every transform fails at once saying so.
            var transforms = ClusterTransformSettings.Create(system.Settings.Config);
            router = system.ActorOf(TransformRouterActor.ForProviders(transforms, ClusterTransforms.ProvidersIn(catalog)), "cluster-transforms");
            settings = settings with { TransformRouter = router };
        }
        return await ClusterPoetryClient.AllSettledAsync(system, Targets, catalog, options with { Settings = settings }, cancellationToken);
    }

    /// <summary>The stderr line of a failed outcome of a poem asked for by name, or null for a plain address (printed as today).</summary>
    public string? FailureLine(PoemOutcome.Failed failed) =>
        failed.Index < Targets.Count && Targets[failed.Index] is ClusterPoetryClient.Target.Poem poem
            ? $"poetry-node get: {poem.Name}: {failed.Failure.Detail}"
            : null;
}
