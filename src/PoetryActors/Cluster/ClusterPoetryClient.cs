using Akka.Actor;
using PoetryActors.Aggregation;
using PoetryActors.Download;
using PoetryActors.Kinds;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// Poems by name from a cluster: each name is looked up in a <see cref="CurrentCatalog"/> and
/// downloaded by a <see cref="NamedPoemDownloaderActor"/> from the nodes that serve it (the
/// contact node first), plain addresses by a <see cref="DownloaderActor"/>, all under one
/// aggregator, so the outcomes come back in request order like <see cref="PoetryClient"/>'s. A name
/// no Up and reachable member serves is a failed outcome that says so.
/// </summary>
internal static class ClusterPoetryClient
{
    /// <summary>The transform role: members with it serve the cluster's transforms.</summary>
    public const string TransformRole = "transform";

    /// <summary>What one request item is: a poem by name, or a plain address.</summary>
    public abstract record Target
    {
        private Target()
        {
        }

        /// <summary>The poem named <paramref name="Name"/> (its file name without extension).</summary>
        public sealed record Poem(string Name) : Target
        {
            /// <inheritdoc />
            public override string ToString() => Name;
        }

        /// <summary>The poem server at <paramref name="Address"/>.</summary>
        public sealed record At(NetAddress Address) : Target
        {
            /// <inheritdoc />
            public override string ToString() => Address.ToString();
        }
    }

    /// <summary>The reason a name is unknown, as the command line prints it.</summary>
    public static string UnknownPoem(string name) => $"no node of the cluster serves a poem named '{name}'";

    /// <summary>
    /// One work item per target, named <c>download-&lt;index&gt;</c>. The catalog's answering member is the
    /// contact node: its services are tried first.
    /// </summary>
    public static IReadOnlyList<WorkItem> WorkItems(
        IReadOnlyList<Target> targets, CurrentCatalog catalog, DownloadSettings settings, IActorRef? progressObserver = null)
    {
        var items = new WorkItem[targets.Count];
        // Plain addresses wait for places in flight as PoetryClient's do.
        var slots = targets.Count > settings.MaxInFlight ? new DownloadSlots(settings.MaxInFlight) : null;
        for (var index = 0; index < targets.Count; index++)
        {
            var name = $"download-{index}";
            items[index] = targets[index] switch
            {
                Target.At at => WorkItem.Actor(DownloaderActor.Props(new DownloadPoem(index, at.Address, settings, progressObserver) { Slots = slots }), name),
                Target.Poem poem => ForPoem(index, poem.Name, catalog, settings, progressObserver, name),
                _ => throw new ArgumentOutOfRangeException(nameof(targets)),
            };
        }
        return items;
    }

    /// <summary>The endpoint of a transform service on a member with the transform role, the answering member's first; null when there is none.</summary>
    public static NetAddress? TransformServer(CurrentCatalog catalog)
    {
        var transformMembers = catalog.Members.Where(m => m.Roles.Contains(TransformRole) && m.Status == "up").Select(m => m.Address).ToHashSet();
        return catalog.Services
            .Where(s => s.Kind == "transform" && transformMembers.Contains(s.Node))
            .OrderBy(s => s.Node == catalog.Answerer ? 0 : 1)
            .Select(s => NetAddress.TryParse(s.Endpoint, out var address, out _) ? address : null)
            .FirstOrDefault(a => a is not null);
    }

    /// <summary>Downloads every target (the catalog already fetched) and returns the outcomes in request order.</summary>
    public static Task<IReadOnlyList<PoemOutcome>> AllSettledAsync(
        ActorSystem system, IReadOnlyList<Target> targets, CurrentCatalog catalog, DownloadSettings settings, CancellationToken cancellationToken = default) =>
        AllSettledAsync(system, targets, catalog, new DownloadOptions { Settings = settings }, cancellationToken);

    /// <summary>
    /// The same with <paramref name="options"/>' callbacks (progress, each outcome as it settles),
    /// called as <see cref="PoetryClient"/> calls them; their settings default to the system's.
    /// </summary>
    public static async Task<IReadOnlyList<PoemOutcome>> AllSettledAsync(
        ActorSystem system, IReadOnlyList<Target> targets, CurrentCatalog catalog, DownloadOptions options, CancellationToken cancellationToken = default)
    {
        var settings = options.Settings ?? DownloadSettings.Create(system.Settings.Config);
        var addresses = targets.Select(t => AddressOf(t, catalog)).ToList();
        // The named downloads report no progress (a live display follows addresses known in advance).
        var items = WorkItems(targets, catalog, settings);
        if (!options.IsObserved)
        {
            var aggregation = PoetryClient.AggregationOptionsFor(settings, items.Count, observer: null);
            var outcomes = await Aggregator.AllSettledAsync<PoemOutcome>(system, items, aggregation, cancellationToken).ConfigureAwait(false);
            return outcomes.Select((o, i) => PoemOutcome.From(i, addresses[i], o)).ToList();
        }

        // Watched (get --as-completed): the watcher runs the aggregation and calls back as each settles.
        var answer = new TaskCompletionSource<IReadOnlyList<PoemOutcome>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = system.ActorOf(
            DownloadWatcherActor.Props(addresses, options, settings, Aggregator.NewAggregator(system), answer, cancellationToken, items),
            $"named-download-watcher-{Guid.NewGuid():N}");
        await using var registration = cancellationToken.Register(() =>
        {
            answer.TrySetCanceled(cancellationToken);
            watcher.Tell(PoisonPill.Instance);
        });
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>The address an outcome names: the target's, or for a name the first node serving it (the answering member when none does).</summary>
    public static NetAddress AddressOf(Target target, CurrentCatalog catalog) => target switch
    {
        Target.At at => at.Address,
        Target.Poem poem => Candidates(poem.Name, catalog).FirstOrDefault() ?? AnswererAddress(catalog),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    private static WorkItem ForPoem(int index, string poem, CurrentCatalog catalog, DownloadSettings settings, IActorRef? observer, string name)
    {
        var serving = catalog.ServingPoem(poem).Where(s => s.Sha256 is not null).ToList();
        if (serving.Count == 0)
        {
            var failure = new DownloadFailed(AnswererAddress(catalog), DownloadStep.Downloader, FetchFailure.Other, UnknownPoem(poem));
            return WorkItem.Succeed(new PoemOutcome.Failed(index, failure), name);
        }
        // The contact node's copy is what it is asked for; other nodes with the same content are the fallbacks.
        var sha256 = serving.OrderBy(s => s.Node == catalog.Answerer ? 0 : 1).First().Sha256!;
        var candidates = Candidates(poem, catalog).ToList();
        return WorkItem.Actor(NamedPoemDownloaderActor.Props(new NamedPoemRequest(index, poem, candidates, sha256, settings, observer)), name);
    }

    private static IEnumerable<NetAddress> Candidates(string poem, CurrentCatalog catalog)
    {
        var serving = catalog.ServingPoem(poem).Where(s => s.Sha256 is not null).OrderBy(s => s.Node == catalog.Answerer ? 0 : 1).ToList();
        if (serving.Count == 0)
        {
            return [];
        }

        var sha256 = serving[0].Sha256;
        return serving.Where(s => s.Sha256 == sha256)
            .Select(s => NetAddress.TryParse(s.Endpoint, out var address, out _) ? address : null)
            .OfType<NetAddress>()
            .Distinct();
    }

    private static NetAddress AnswererAddress(CurrentCatalog catalog)
    {
        // akka.tcp://poetry@HOST:PORT
        var at = catalog.Answerer.LastIndexOf('@');
        return at >= 0 && NetAddress.TryParse(catalog.Answerer[(at + 1)..], out var address, out _) ? address : new NetAddress("127.0.0.1", 1);
    }
}
