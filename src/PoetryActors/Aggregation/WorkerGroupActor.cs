using Akka.Actor;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Aggregation;

/// <summary>
/// INTERNAL API. A slice of a large aggregation's worker actors (<c>group-&lt;g&gt;</c>, a child
/// of its <see cref="AggregatorActor"/>): it creates each of its items' workers as its own watched
/// children and passes each outcome up as a <see cref="WorkerSettled"/> with the item's index in
/// the whole request, stopping the worker once it has reported. A worker that throws, that cannot
/// be created, or that stops without reporting is the same failed outcome as under the aggregator
/// itself. The group stops once every one of its workers has settled; the aggregator stops it
/// early (and its workers with it) when the items' outcomes are no longer wanted.
/// Why: Akka keeps an actor's children and the actors it watches in immutable collections, so a
/// parent of ten thousand workers allocated about 3 KB per worker in their nodes alone (of 15.2 KB
/// a download, tests/benchmarks/fanout/AllocationProbe) and created every worker on one thread;
/// in groups of 32 a download allocates 13.0 KB, and the groups create their workers on every
/// thread of the dispatcher at once (groups of 100: 13.3 KB).
/// </summary>
internal sealed class WorkerGroupActor : UntypedActor
{
    private static readonly SupervisorStrategy WorkerStrategy = new AggregatorActor.StopAndReportStrategy();

    private readonly IReadOnlyList<WorkItem> _items;
    private readonly int[] _indices;
    private readonly Dictionary<IActorRef, int> _running = [];

    private WorkerGroupActor(IReadOnlyList<WorkItem> items, int[] indices)
    {
        _items = items;
        _indices = indices;
    }

    /// <summary>A group running the <see cref="ActorWork"/> items of <paramref name="items"/> at <paramref name="indices"/>.</summary>
    public static Props Props(IReadOnlyList<WorkItem> items, int[] indices) =>
        Akka.Actor.Props.CreateBy(new Producer(items, indices));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => WorkerStrategy;

    /// <inheritdoc />
    protected override void PreStart()
    {
        foreach (var index in _indices)
        {
            var work = (ActorWork)_items[index];
            var name = AggregatorActor.WorkerName(work, index);
            IActorRef worker;
            try
            {
                worker = Context.ActorOf(work.WorkerProps, name);
            }
            catch (Exception e)
            {
                Report(index, new Outcome.Failure(AggregatorActor.CouldNotStart(name, e)));
                continue;
            }

            Context.Watch(worker);
            _running[worker] = index;
        }

        StopIfDone();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case WorkSucceeded succeeded:
                SettleFromWorker(Sender, new Outcome.Success(succeeded.Value));
                break;
            case WorkFailed failed:
                SettleFromWorker(Sender, new Outcome.Failure(failed.Cause));
                break;
            case AggregationResult nested:
                SettleFromWorker(Sender, AggregatorActor.NestedOutcome(nested));
                break;
            case AggregatorActor.WorkerCrashed crashed:
                if (_running.Remove(crashed.Worker, out var crashedIndex))
                {
                    Report(crashedIndex, new Outcome.Failure(AggregatorActor.CrashFailure(crashed)));
                    StopIfDone();
                }

                break;
            case Terminated terminated:
                if (_running.Remove(terminated.ActorRef, out var stoppedIndex))
                {
                    Report(stoppedIndex, new Outcome.Failure(AggregatorActor.StoppedFailure(terminated.ActorRef)));
                    StopIfDone();
                }

                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void SettleFromWorker(IActorRef worker, Outcome outcome)
    {
        if (!_running.Remove(worker, out var index))
        {
            return;
        }

        // A worker's job ends with its report; it must not outlive the request.
        Context.Stop(worker);
        Report(index, outcome);
        StopIfDone();
    }

    private static void Report(int index, Outcome outcome) =>
        Context.Parent.Tell(new WorkerSettled(index, outcome));

    private void StopIfDone()
    {
        if (_running.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    /// <summary>The item at <paramref name="Index"/> of the whole request settled with <paramref name="Outcome"/>.</summary>
    internal sealed record WorkerSettled(int Index, Outcome Outcome) : INoSerializationVerificationNeeded;

    private sealed class Producer(IReadOnlyList<WorkItem> items, int[] indices) : IIndirectActorProducer
    {
        public Type ActorType => typeof(WorkerGroupActor);

        public ActorBase Produce() => new WorkerGroupActor(items, indices);

        public void Release(ActorBase actor)
        {
        }
    }
}
