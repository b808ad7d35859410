using Akka.Actor;
using PoetryActors.Aggregation;
using PoetryActors.Kinds;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Download;

/// <summary>
/// The entry point for code outside actors: downloads many poems at once with the same actors the
/// node uses (one <see cref="DownloaderActor"/> per address under an aggregator) and returns every
/// outcome in request order, the tutorial's client 8 with its <c>DeferredList</c>:
/// <code>
/// var outcomes = await PoetryClient.AllSettledAsync(system, [NetAddress.Parse("10000"), NetAddress.Parse("10002")]);
/// </code>
/// Given an <see cref="ActorSystem"/> the aggregator is a top-level actor; given the ref of an
/// <see cref="AggregationsActor"/> (the node's <c>/user/downloads</c>) it is created under it.
/// Downloads never fail the Task: each failure is an outcome. Cancelling the token stops every
/// downloader and cancels the Task. <see cref="WorkItems"/> and <see cref="PoemOutcome.From"/>
/// are the building blocks for actors that run the aggregation themselves: each downloader's value
/// is its <see cref="PoemOutcome"/>.
/// </summary>
public static class PoetryClient
{
    private static long _watchers;

    /// <summary>How long past the downloads' own deadline the aggregation waits before it gives up on a downloader.</summary>
    public static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(5);

    /// <summary>Downloads every address under a new top-level aggregator of <paramref name="system"/>.</summary>
    public static Task<IReadOnlyList<PoemOutcome>> AllSettledAsync(
        ActorSystem system, IEnumerable<NetAddress> addresses, DownloadOptions? options = null, CancellationToken cancellationToken = default) =>
        RunAsync(system, aggregations: null, addresses, options ?? DownloadOptions.Default, cancellationToken);

    /// <summary>Downloads every address under an aggregator created by <paramref name="downloads"/> (an <see cref="AggregationsActor"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="downloads"/> is not a local actor.</exception>
    public static Task<IReadOnlyList<PoemOutcome>> AllSettledAsync(
        IActorRef downloads, IEnumerable<NetAddress> addresses, DownloadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var system = downloads is IInternalActorRef local
            ? local.Provider.Settings.System
            : throw new ArgumentException("the downloads actor must be a local actor ref", nameof(downloads));
        return RunAsync(system, downloads, addresses, options ?? DownloadOptions.Default, cancellationToken);
    }

    /// <summary>
    /// One downloader work item per address, named <c>download-&lt;index&gt;</c>, reporting progress to
    /// <paramref name="progressObserver"/> when given; at most <see cref="DownloadSettings.MaxInFlight"/>
    /// of them download at once, the others wait for a place.
    /// </summary>
    public static IReadOnlyList<WorkItem> WorkItems(IReadOnlyList<NetAddress> addresses, DownloadSettings settings, IActorRef? progressObserver = null)
    {
        var items = new WorkItem[addresses.Count];
        var slots = addresses.Count > settings.MaxInFlight ? new DownloadSlots(settings.MaxInFlight) : null;
        for (var index = 0; index < items.Length; index++)
        {
            var request = new DownloadPoem(index, addresses[index], settings, progressObserver) { Slots = slots };
            items[index] = WorkItem.Actor(DownloaderActor.Props(request), $"download-{index}");
        }

        return items;
    }

    /// <summary>
    /// The aggregation options for downloads: every outcome goes to the caller (errors consumed),
    /// and a safety deadline a little past the downloads' own, so a request never hangs.
    /// </summary>
    public static AggregationOptions AggregationOptionsFor(DownloadSettings settings, IActorRef? observer = null) =>
        AggregationOptionsFor(settings, 1, observer);

    /// <summary>
    /// The same for a request of <paramref name="count"/> downloads: when they must wait for places
    /// in flight, the safety deadline allows one download deadline per round of places.
    /// </summary>
    public static AggregationOptions AggregationOptionsFor(DownloadSettings settings, int count, IActorRef? observer)
    {
        var rounds = Math.Max(1, (count + settings.MaxInFlight - 1) / settings.MaxInFlight);
        return new AggregationOptions
        {
            ConsumeErrors = true,
            Deadline = settings.Limits.Deadline * rounds + DeadlineGrace,
            Observer = observer,
        };
    }

    private static async Task<IReadOnlyList<PoemOutcome>> RunAsync(
        ActorSystem system, IActorRef? aggregations, IEnumerable<NetAddress> addresses, DownloadOptions options, CancellationToken cancel)
    {
        var requested = addresses as IReadOnlyList<NetAddress> ?? addresses.ToArray();
        var settings = options.Settings ?? DownloadSettings.Create(system.Settings.Config);
        if (!options.IsObserved)
        {
            var items = WorkItems(requested, settings);
            var aggregation = AggregationOptionsFor(settings, requested.Count, observer: null);
            var outcomes = aggregations is null
                ? await Aggregator.AllSettledAsync<PoemOutcome>(system, items, aggregation, cancel).ConfigureAwait(false)
                : await Aggregator.AllSettledAsync<PoemOutcome>(aggregations, items, aggregation, cancel).ConfigureAwait(false);
            var poems = new PoemOutcome[outcomes.Count];
            for (var index = 0; index < poems.Length; index++)
            {
                poems[index] = PoemOutcome.From(index, requested[index], outcomes[index]);
            }

            return poems;
        }

        // Watched: the watcher asks the aggregation itself and is its observer, so the callbacks
        // have all run by the time the answer reaches it, with no extra round trip.
        var answer = new TaskCompletionSource<IReadOnlyList<PoemOutcome>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = system.ActorOf(
            DownloadWatcherActor.Props(requested, options, settings, aggregations ?? Aggregator.NewAggregator(system), answer, cancel),
            $"download-watcher-{Interlocked.Increment(ref _watchers)}");
        await using var registration = cancel.Register(() =>
        {
            answer.TrySetCanceled(cancel);
            watcher.Tell(PoisonPill.Instance);
        });
        return await answer.Task.ConfigureAwait(false);
    }
}
