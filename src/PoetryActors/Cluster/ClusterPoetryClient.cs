using Akka.Actor;
using PoetryActors.Aggregation;
using PoetryActors.Download;
using PoetryActors.Kinds;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// Poems by name from a cluster, mixed with plain addresses: every target is a
/// <see cref="DownloaderActor"/> under one aggregator, created at once, so the outcomes come back
/// in request order like <see cref="PoetryClient"/>'s. A plain address downloads at once; a name
/// waits for the catalog (<see cref="Catalogued"/>, while it is asked) and then downloads from
/// the nodes serving it, the contact node first, checked against the catalog's SHA-256. A name no
/// Up and reachable member serves, or a catalog that could not be had, is a failed outcome that
/// says so.
/// </summary>
internal static class ClusterPoetryClient
{
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

    /// <summary>
    /// The catalog's answer (or why there is none) and the settings the downloads that waited for
    /// it use (a transform through the cluster needs its providers, which the catalog lists).
    /// </summary>
    public sealed record Catalogued(CatalogClient.Answer Answer, DownloadSettings Settings);

    /// <summary>The reason a name is unknown, as the command line prints it.</summary>
    public static string UnknownPoem(string name) => $"no node of the cluster serves a poem named '{name}'";

    /// <summary>
    /// One work item per target, named <c>download-&lt;index&gt;</c>. Plain addresses download at
    /// once with <paramref name="settings"/> when given, or wait for <paramref name="catalogued"/>'s;
    /// names wait for the catalog. When the catalog is already in (the usual case: it is asked
    /// while the command starts its actor system), every download is made whole here and starts
    /// as a plain get's does. Failures that have no node to name name <paramref name="contact"/>.
    /// </summary>
    public static IReadOnlyList<WorkItem> WorkItems(
        IReadOnlyList<Target> targets, DownloadSettings? settings, Task<Catalogued> catalogued, NetAddress contact, int maxInFlight, IActorRef? progressObserver = null)
    {
        var items = new WorkItem[targets.Count];
        // Every download, by name or by address, waits for a place in flight as PoetryClient's do.
        var slots = targets.Count > maxInFlight ? new DownloadSlots(maxInFlight) : null;
        var names = new NameLookup(contact);
        var answered = catalogued.IsCompletedSuccessfully ? catalogued.Result : null;
        for (var index = 0; index < targets.Count; index++)
        {
            var i = index;
            var props = targets[index] switch
            {
                Target.At at when (settings ?? answered?.Settings) is { } known =>
                    DownloaderActor.Props(new DownloadPoem(i, at.Address, known, progressObserver) { Slots = slots }),
                // The answer in hand: no Task and no message between the download and its start.
                Target.Poem poem when answered is not null => names.Resolve(i, poem.Name, answered, slots, progressObserver) switch
                {
                    DownloadResolution.Resolved resolved => DownloaderActor.Props(resolved.Request),
                    var unresolved => DownloaderActor.Props(Task.FromResult(unresolved)),
                },
                Target.At at => DownloaderActor.Props(catalogued.ContinueWith(
                    c => (DownloadResolution)new DownloadResolution.Resolved(new DownloadPoem(i, at.Address, c.Result.Settings, progressObserver) { Slots = slots }),
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)),
                Target.Poem poem => DownloaderActor.Props(catalogued.ContinueWith(
                    c => names.Resolve(i, poem.Name, c.Result, slots, progressObserver),
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)),
                _ => throw new ArgumentOutOfRangeException(nameof(targets)),
            };
            items[index] = WorkItem.Actor(props, $"download-{index}");
        }
        return items;
    }

    /// <summary>Downloads every target from an answer already in hand and returns the outcomes in request order.</summary>
    public static Task<IReadOnlyList<PoemOutcome>> AllSettledAsync(
        ActorSystem system, IReadOnlyList<Target> targets, CurrentCatalog catalog, DownloadSettings settings, CancellationToken cancellationToken = default) =>
        AllSettledAsync(system, targets, Task.FromResult(new Catalogued(new CatalogClient.Answer.Answered(catalog), settings)),
            AnswererAddress(catalog) ?? new NetAddress("127.0.0.1", 1), new DownloadOptions { Settings = settings }, settings, TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// Downloads every target, the plain addresses at once with <paramref name="plainSettings"/>
    /// (null: they wait for <paramref name="catalogued"/>'s too), the names once the catalog is in,
    /// all under one aggregator, with <paramref name="options"/>' callbacks (progress, each outcome
    /// as it settles) called as <see cref="PoetryClient"/> calls them. <paramref name="catalogWait"/>
    /// is how long the catalog may take: the aggregation's safety deadline allows it on top of
    /// the downloads' own.
    /// </summary>
    public static async Task<IReadOnlyList<PoemOutcome>> AllSettledAsync(
        ActorSystem system, IReadOnlyList<Target> targets, Task<Catalogued> catalogued, NetAddress contact, DownloadOptions options, DownloadSettings? plainSettings,
        TimeSpan catalogWait, CancellationToken cancellationToken = default)
    {
        var settings = options.Settings ?? DownloadSettings.Create(system.Settings.Config);
        // Before its catalog is in, an outcome the aggregation makes names the contact for a poem by name.
        var addresses = targets.Select(t => t is Target.At at ? at.Address : contact).ToList();
        if (!options.IsObserved)
        {
            var items = WorkItems(targets, plainSettings, catalogued, contact, settings.MaxInFlight);
            var aggregation = PoetryClient.AggregationOptionsFor(settings, items.Count, observer: null);
            aggregation = aggregation with { Deadline = aggregation.Deadline + catalogWait };
            var outcomes = await Aggregator.AllSettledAsync<PoemOutcome>(system, items, aggregation, cancellationToken).ConfigureAwait(false);
            return outcomes.Select((o, i) => PoemOutcome.From(i, addresses[i], o)).ToList();
        }

        // Watched (progress, --as-completed): the watcher runs the aggregation and calls back as each settles.
        var answer = new TaskCompletionSource<IReadOnlyList<PoemOutcome>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = system.ActorOf(
            DownloadWatcherActor.Props(addresses, options, settings, Aggregator.NewAggregator(system), answer, cancellationToken,
                observer => WorkItems(targets, plainSettings, catalogued, contact, settings.MaxInFlight, options.OnProgress is null ? null : observer), catalogWait),
            $"named-download-watcher-{Guid.NewGuid():N}");
        await using var registration = cancellationToken.Register(() =>
        {
            answer.TrySetCanceled(cancellationToken);
            watcher.Tell(PoisonPill.Instance);
        });
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// The catalog's answer for each name of one request, worked out once per name (a request of
    /// 1,000 poems often names the same few), whether its downloads are made before the answer
    /// is in (then the continuations may run on the thread that completes it and on the one that
    /// makes the downloads at once: hence the lock) or after.
    /// </summary>
    private sealed class NameLookup(NetAddress contact)
    {
        private readonly Dictionary<string, object> _byName = new(StringComparer.Ordinal);

        public DownloadResolution Resolve(int index, string name, Catalogued catalogued, DownloadSlots? slots, IActorRef? progressObserver)
        {
            object found;
            lock (_byName)
            {
                if (!_byName.TryGetValue(name, out found!))
                {
                    found = Look(name, catalogued.Answer);
                    _byName.Add(name, found);
                }
            }

            if (found is DownloadFailed failure)
            {
                return new DownloadResolution.Unresolved(index, failure);
            }

            // The contact node's copy is what it is asked for; other nodes with the same content are the fallbacks.
            var served = (Served)found;
            return new DownloadResolution.Resolved(new DownloadPoem(index, served.First, catalogued.Settings, progressObserver) { Slots = slots, Expected = served.Expected });
        }

        // Served, or the DownloadFailed that is every download's of this name.
        private object Look(string name, CatalogClient.Answer answer)
        {
            if (answer is not CatalogClient.Answer.Answered { Catalog: var catalog })
            {
                return new DownloadFailed(contact, DownloadStep.Downloader, FetchFailure.Other, ((CatalogClient.Answer.NoAnswer)answer).Reason);
            }

            var serving = catalog.ServingPoem(name).Where(s => s.Sha256 is not null).OrderBy(s => s.Node == catalog.Answerer ? 0 : 1).ToList();
            var sha256 = serving.Count > 0 ? serving[0].Sha256! : "";
            var addresses = new List<NetAddress>();
            foreach (var service in serving)
            {
                if (service.Sha256 == sha256 && NetAddress.TryParse(service.Endpoint, out var address, out _) && !addresses.Contains(address))
                {
                    addresses.Add(address);
                }
            }

            if (addresses.Count == 0)
            {
                return new DownloadFailed(AnswererAddress(catalog) ?? contact, DownloadStep.Downloader, FetchFailure.Other, UnknownPoem(name));
            }

            return new Served(addresses[0], new ExpectedPoem(name, sha256, addresses.Skip(1).ToList()));
        }

        // The address a name's downloads ask first, and what the poem must be (with the fallbacks).
        private sealed record Served(NetAddress First, ExpectedPoem Expected);
    }

    private static NetAddress? AnswererAddress(CurrentCatalog catalog)
    {
        // akka.tcp://poetry@HOST:PORT
        var at = catalog.Answerer.LastIndexOf('@');
        return at >= 0 && NetAddress.TryParse(catalog.Answerer[(at + 1)..], out var address, out _) ? address : null;
    }
}
