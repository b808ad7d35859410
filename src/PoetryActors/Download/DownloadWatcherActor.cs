using Akka.Actor;
using Akka.Event;
using PoetryActors.Aggregation;
using PoetryActors.Kinds;
using static PoetryActors.Aggregation.AggregationProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Download;

/// <summary>
/// The requester of a watched download request: it sends the <see cref="Aggregate"/> of the
/// downloads to <paramref name="aggregator"/> itself (cancelled by <paramref name="cancel"/>), as
/// the aggregation's observer and the downloaders' one,
/// so it turns the request's events into the callbacks of its <see cref="DownloadOptions"/> one at
/// a time, in the order they arrived (<see cref="DownloadProgress"/>, and each
/// <see cref="ItemSettled"/> as a <see cref="PoemOutcome"/>, built once and kept). The aggregator
/// tells it every <see cref="ItemSettled"/> before its answer, so when the answer comes every
/// callback has run: it completes <paramref name="answer"/> with the outcomes it kept and stops.
/// A callback that throws is logged and the watcher carries on.
/// </summary>
internal sealed class DownloadWatcherActor(
    IReadOnlyList<NetAddress> addresses,
    DownloadOptions options,
    DownloadSettings settings,
    IActorRef aggregator,
    TaskCompletionSource<IReadOnlyList<PoemOutcome>> answer,
    CancellationToken cancel,
    Func<IActorRef, IReadOnlyList<WorkItem>>? items = null,
    TimeSpan extraDeadline = default) : UntypedActor
{
    private readonly PoemOutcome?[] _outcomes = new PoemOutcome?[addresses.Count];

    public static Props Props(
        IReadOnlyList<NetAddress> addresses,
        DownloadOptions options,
        DownloadSettings settings,
        IActorRef aggregator,
        TaskCompletionSource<IReadOnlyList<PoemOutcome>> answer,
        CancellationToken cancel,
        Func<IActorRef, IReadOnlyList<WorkItem>>? items = null,
        TimeSpan extraDeadline = default) =>
        // items: work of the caller's own (the cluster's downloads by name), one per address, given
        // the watcher to report progress to; null: PoetryClient's downloaders. extraDeadline: time the
        // work may spend before it downloads (waiting for a catalog), on top of the safety deadline.
        // A producer rather than an expression: Props.Create(() => new ...) takes the expression
        // apart by reflection (and loads System.Linq.Expressions), a few milliseconds of every get.
        Akka.Actor.Props.CreateBy(new Producer(() => new DownloadWatcherActor(addresses, options, settings, aggregator, answer, cancel, items, extraDeadline)));

    protected override void PreStart()
    {
        var work = items?.Invoke(Self) ?? PoetryClient.WorkItems(addresses, settings, options.OnProgress is null ? null : Self);
        var aggregation = PoetryClient.AggregationOptionsFor(settings, addresses.Count, Self);
        aggregator.Tell(new Aggregate(work, aggregation with { Deadline = aggregation.Deadline + extraDeadline }) { CancellationToken = cancel }, Self);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DownloadProgress progress:
                Call(options.OnProgress, progress);
                break;
            case ItemSettled settled:
                var outcome = PoemOutcome.From(settled.Index, addresses[settled.Index], Outcome<PoemOutcome>.From(settled.Outcome));
                _outcomes[settled.Index] = outcome;
                Call(options.OnSettled, outcome);
                break;
            case AggregationCompleted completed:
                HandleCompleted(completed);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop() =>
        // Stopped before the answer (the request was cancelled, or the system is shutting down).
        answer.TrySetCanceled();

    private void HandleCompleted(AggregationCompleted completed)
    {
        var outcomes = new PoemOutcome[_outcomes.Length];
        for (var index = 0; index < outcomes.Length; index++)
        {
            outcomes[index] = _outcomes[index] ?? PoemOutcome.From(index, addresses[index], Outcome<PoemOutcome>.From(completed.Outcomes[index]));
        }

        answer.TrySetResult(outcomes);
        Context.Stop(Self);
    }

    private sealed class Producer(Func<DownloadWatcherActor> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(DownloadWatcherActor);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
        }
    }

    private static void Call<T>(Action<T>? callback, T value)
    {
        try
        {
            callback?.Invoke(value);
        }
        catch (Exception e)
        {
            Context.GetLogger().Error(e, "a download callback threw while handling {0}", value);
        }
    }
}
