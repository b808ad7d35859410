using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Aggregation;

/// <summary>
/// The poetry network's <c>DeferredList</c>: one aggregator per request. It waits (Idle) for one
/// <see cref="Aggregate"/> or <see cref="AggregateKeyed"/>, starts every work item (worker actors
/// as its watched children, async functions, nested aggregators), and answers the sender exactly
/// once with an <see cref="AggregationResult"/>: every outcome in request order, the first success
/// or the <see cref="FirstError"/>, as the <see cref="AggregationOptions"/> say. An empty request
/// is answered at once. It also handles <see cref="CancelAggregation"/>, tells the options'
/// observer <see cref="ItemSettled"/> per item, and logs each unconsumed, unhandled failure once
/// as a warning. After answering it stops as soon as no item is running (at once with
/// <see cref="AggregationOptions.CancelRemainingAfterFiring"/>), and its workers stop with it. A
/// worker that throws or stops without reporting is a failed outcome, and the deadline bounds the
/// whole run, so a request never hangs. If the aggregator itself is stopped early, it still
/// answers, with the unfinished items cancelled. Book-keeping is arrays indexed by position, so
/// the cost per item is constant. A request of more than <see cref="DefaultGroupSize"/> worker
/// actors puts them in groups of that many (<see cref="WorkerGroupActor"/>, <c>group-&lt;g&gt;</c>,
/// each a child of the aggregator and the parent of its workers), with the same outcomes in the
/// same order: Akka's collections of an actor's children and watched actors cost per child more
/// the more children there are, and a group creates its workers beside the other groups.
/// </summary>
public sealed class AggregatorActor : UntypedActor, IWithTimers
{
    /// <summary>How many worker actors a request may have before they go in groups, and the size of a group.</summary>
    internal const int DefaultGroupSize = 32;

    private static readonly Props CachedProps = Akka.Actor.Props.Create<AggregatorActor>();
    private static readonly SupervisorStrategy WorkerStrategy = new StopAndReportStrategy();

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, int> _childIndex = [];
    private readonly Dictionary<IActorRef, int[]> _groupIndices = [];
    private readonly int _groupSize;
    private int _groupsStarted;

    private IReadOnlyList<WorkItem> _items = [];
    private string[]? _keys;

    // An item's slot is null until it settles; every slot is set exactly once.
    private Outcome[] _outcomes = [];
    private IActorRef?[]? _children;
    private int _settled;
    private AggregationOptions _options = AggregationOptions.Default;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private CancellationTokenSource? _cancellation;
    private CancellationTokenRegistration _abandonRegistration;
    private AggregationResult? _answer;
    private bool _abandoned;
    private bool _settlingUnfinished;
    private bool _postStopped;

    /// <summary>An aggregator that puts more than <see cref="DefaultGroupSize"/> worker actors in groups.</summary>
    public AggregatorActor()
        : this(DefaultGroupSize)
    {
    }

    private AggregatorActor(int groupSize)
    {
        _groupSize = groupSize;
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>An idle aggregator that runs the first request it is sent.</summary>
    public static Props Props() => CachedProps;

    /// <summary>The same with groups of <paramref name="groupSize"/> workers (tests: groups without thousands of workers).</summary>
    internal static Props Props(int groupSize) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new AggregatorActor(groupSize)));

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Aggregate request:
                Begin(request.Items, null, request.Options, request.CancellationToken);
                break;
            case AggregateKeyed request:
                Begin(
                    request.Items.Select(item => item.Value).ToArray(),
                    request.Items.Select(item => item.Key).ToArray(),
                    request.Options,
                    request.CancellationToken);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => WorkerStrategy;

    /// <inheritdoc />
    protected override void PostStop()
    {
        _postStopped = true;
        _abandonRegistration.Dispose();
        if (!_abandoned && _settled < _items.Count)
        {
            // Stopped from outside (parent, system shutdown, a bug): the requester still gets its
            // one answer. A nested aggregator's parent learns of it through Terminated instead.
            if (_replyTo.Equals(Context.Parent))
            {
                _replyTo = ActorRefs.Nobody;
            }

            SettleUnfinished(_ => WorkFailure.Cancelled("cancelled: the aggregator stopped before the item finished"), reportUnhandled: false);
        }
        else
        {
            _cancellation?.CancelAsync();
        }
    }

    private void Running(object message)
    {
        switch (message)
        {
            case WorkSucceeded succeeded:
                SettleFromChild(Sender, new Outcome.Success(succeeded.Value));
                break;
            case WorkFailed failed:
                SettleFromChild(Sender, new Outcome.Failure(failed.Cause));
                break;
            case AggregationResult nested:
                SettleFromChild(Sender, NestedOutcome(nested));
                break;
            case WorkerGroupActor.WorkerSettled grouped:
                if (_groupIndices.ContainsKey(Sender) && _outcomes[grouped.Index] is null)
                {
                    Settle(grouped.Index, grouped.Outcome);
                }

                break;
            case TaskFinished finished:
                if (_outcomes[finished.Index] is null)
                {
                    Settle(finished.Index, finished.Outcome);
                }

                break;
            case WorkerCrashed crashed:
                HandleWorkerCrashed(crashed);
                break;
            case Terminated terminated:
                HandleTerminated(terminated);
                break;
            case DeadlineReached:
                var deadline = _options.Deadline.GetValueOrDefault();
                SettleUnfinished(
                    _ => WorkFailure.Timeout($"timed out: not finished within the aggregation's deadline of {deadline.TotalSeconds:0.###} s"),
                    reportUnhandled: true);
                break;
            case CancelAggregation:
                SettleUnfinished(_ => WorkFailure.Cancelled("cancelled: the aggregation was cancelled"), reportUnhandled: false);
                break;
            case Abandon:
                _abandoned = true;
                _replyTo = ActorRefs.Nobody;
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Begin(IReadOnlyList<WorkItem> items, string[]? keys, AggregationOptions options, CancellationToken abandon)
    {
        _items = items;
        _keys = keys;
        _options = options;
        _replyTo = Sender;
        _outcomes = new Outcome[items.Count];
        Become(Running);

        if (abandon.CanBeCanceled)
        {
            var self = Self;
            _abandonRegistration = abandon.Register(() => self.Tell(Abandon.Instance, ActorRefs.NoSender));
        }

        if (options.Deadline is { } deadline)
        {
            Timers.StartSingleTimer(DeadlineReached.Instance, DeadlineReached.Instance, deadline);
        }

        if (items.Count == 0)
        {
            Answer(CompletedResult(), firedOn: -1);
            return;
        }

        // An item may settle while later ones start (instant work); settling can fire the answer
        // and, with CancelRemainingAfterFiring, settle the items not yet started as cancelled.
        var grouped = new List<int>(Math.Min(items.Count, _groupSize));
        var groups = CountActorWork(items) > _groupSize;
        for (var index = 0; index < items.Count; index++)
        {
            if (_outcomes[index] is not null)
            {
                continue;
            }

            if (groups && items[index] is ActorWork)
            {
                grouped.Add(index);
                if (grouped.Count == _groupSize)
                {
                    StartGroup(grouped);
                }

                continue;
            }

            StartItem(index);
        }

        if (grouped.Count > 0)
        {
            StartGroup(grouped);
        }
    }

    private static int CountActorWork(IReadOnlyList<WorkItem> items)
    {
        var count = 0;
        foreach (var item in items)
        {
            if (item is ActorWork)
            {
                count++;
            }
        }

        return count;
    }

    private void StartGroup(List<int> indices)
    {
        // Items settled meanwhile (an earlier item fired the answer and cancelled the rest) start no worker.
        var slice = indices.Where(index => _outcomes[index] is null).ToArray();
        indices.Clear();
        if (slice.Length == 0)
        {
            return;
        }

        IActorRef group;
        var name = $"group-{_groupsStarted++}";
        try
        {
            group = Context.ActorOf(WorkerGroupActor.Props(_items, slice), name);
        }
        catch (Exception e)
        {
            // As for a worker that cannot be created: its items' failure, not the aggregator's.
            foreach (var index in slice)
            {
                Settle(index, new Outcome.Failure(CouldNotStart(WorkerName((ActorWork)_items[index], index), e)));
            }

            return;
        }

        Context.Watch(group);
        _groupIndices[group] = slice;
        _children ??= new IActorRef?[_items.Count];
        foreach (var index in slice)
        {
            _children[index] = group;
        }
    }

    private void StartItem(int index)
    {
        switch (_items[index])
        {
            case ActorWork work:
                StartChild(index, work.WorkerProps, WorkerName(work, index), request: null);
                break;
            case TaskWork work:
                StartTask(index, work);
                break;
            case NestedWork nested:
                StartChild(index, Props(), ChildName(index), new Aggregate(nested.Items, nested.Options));
                break;
            case KeyedNestedWork nested:
                StartChild(index, Props(), ChildName(index), new AggregateKeyed(nested.Items, nested.Options));
                break;
            default:
                Settle(index, new Outcome.Failure(WorkFailure.Error($"unknown kind of work item: {_items[index].GetType().Name}")));
                break;
        }
    }

    private void StartChild(int index, Props props, string name, object? request)
    {
        IActorRef child;
        try
        {
            child = Context.ActorOf(props, name);
        }
        catch (Exception e)
        {
            // A bad name or Props is this item's failure, not the aggregator's.
            Settle(index, new Outcome.Failure(CouldNotStart(name, e)));
            return;
        }

        Context.Watch(child);
        _childIndex[child] = index;
        (_children ??= new IActorRef?[_items.Count])[index] = child;
        if (request is not null)
        {
            child.Tell(request, Self);
        }
    }

    private void StartTask(int index, TaskWork work)
    {
        Task<object?> task;
        try
        {
            task = work.Start((_cancellation ??= new CancellationTokenSource()).Token);
        }
        catch (Exception e)
        {
            Settle(index, new Outcome.Failure(WorkFailure.FromException(e)));
            return;
        }

        if (task.IsCompleted)
        {
            // The fast path for instant work: no continuation, no message.
            Settle(index, OutcomeOf(task));
            return;
        }

        // The continuation runs on another thread: it only builds a message and tells Self.
        task.ContinueWith(
            static (finished, state) =>
            {
                var (self, slot) = ((IActorRef, int))state!;
                self.Tell(new TaskFinished(slot, OutcomeOf(finished)), ActorRefs.NoSender);
            },
            (Self, index),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void SettleFromChild(IActorRef child, Outcome outcome)
    {
        if (!_childIndex.TryGetValue(child, out var index))
        {
            _log.Debug("Ignoring a report from {0}, which is not one of this aggregation's workers", child.Path);
            return;
        }

        if (_outcomes[index] is null)
        {
            // A worker's job ends with its report; it must not outlive the request.
            Context.Stop(child);
            Settle(index, outcome);
        }
    }

    private void HandleWorkerCrashed(WorkerCrashed crashed)
    {
        if (!_childIndex.TryGetValue(crashed.Worker, out var index) || _outcomes[index] is not null)
        {
            return;
        }

        Settle(index, new Outcome.Failure(CrashFailure(crashed)));
    }

    private void HandleTerminated(Terminated terminated)
    {
        if (_childIndex.Remove(terminated.ActorRef, out var index) && _outcomes[index] is null)
        {
            Settle(index, new Outcome.Failure(StoppedFailure(terminated.ActorRef)));
        }

        // A group that stops with items unsettled (it was stopped, or it failed): its workers
        // went with it, without answering.
        if (_groupIndices.Remove(terminated.ActorRef, out var grouped))
        {
            foreach (var item in grouped)
            {
                if (_outcomes[item] is null)
                {
                    Settle(item, new Outcome.Failure(new WorkFailure(
                        WorkFailureKind.WorkerStopped, $"worker {WorkerName((ActorWork)_items[item], item)} stopped without answering")));
                }
            }
        }
    }

    /// <summary>The failure of a worker that could not be created.</summary>
    internal static WorkFailure CouldNotStart(string name, Exception e) =>
        WorkFailure.Error($"could not start worker {name}: {e.Message}", e);

    /// <summary>The failure of a worker that threw.</summary>
    internal static WorkFailure CrashFailure(WorkerCrashed crashed) =>
        // A constructor that throws arrives wrapped (actor initialization, reflection): report the root.
        crashed.Cause is ActorInitializationException
            ? WorkFailure.Error($"worker {crashed.Worker.Path.Name} failed to start: {crashed.Cause.GetBaseException().Message}", crashed.Cause.GetBaseException())
            : WorkFailure.Error($"worker {crashed.Worker.Path.Name} crashed: {crashed.Cause.Message}", crashed.Cause);

    /// <summary>The failure of a worker that stopped without reporting.</summary>
    internal static WorkFailure StoppedFailure(IActorRef worker) =>
        new(WorkFailureKind.WorkerStopped, $"worker {worker.Path.Name} stopped without answering");

    /// <summary>The actor name of <paramref name="work"/>'s worker, the item at <paramref name="index"/>.</summary>
    internal static string WorkerName(ActorWork work, int index) => work.Name ?? $"work-{index}";

    private void Settle(int index, Outcome outcome, bool reportUnhandled = true)
    {
        _outcomes[index] = outcome;
        _settled++;
        _options.Observer?.Tell(new ItemSettled(index, outcome, _keys?[index]), Self);

        // A failure the aggregation caused itself (cancellation) is nobody's error to report.
        if (reportUnhandled && !_options.ConsumeErrors && outcome is Outcome.Failure failure)
        {
            ReportUnconsumed(index, failure.Cause);
        }

        if (_answer is null)
        {
            Decide(index, outcome);
        }
        else if (_settled == _items.Count)
        {
            StopSelf();
        }
    }

    private void Decide(int index, Outcome outcome)
    {
        switch (outcome)
        {
            case Outcome.Success success when _options.FireOnOneSuccess:
                Answer(new AggregationFiredOnSuccess(index, success.Value, _keys?[index]), firedOn: index);
                break;
            case Outcome.Failure failure when _options.FireOnOneFailure:
                Answer(new AggregationFailed(new FirstError(index, failure.Cause, _keys?[index])), firedOn: index);
                break;
            default:
                if (_settled == _items.Count)
                {
                    Answer(CompletedResult(), firedOn: -1);
                }

                break;
        }
    }

    private void Answer(AggregationResult result, int firedOn)
    {
        _answer = result;
        if (!_replyTo.IsNobody())
        {
            _replyTo.Tell(result, Self);
        }

        if (_settled == _items.Count)
        {
            StopSelf();
        }
        else if (_options.CancelRemainingAfterFiring && !_settlingUnfinished)
        {
            SettleUnfinished(
                _ => WorkFailure.Cancelled($"cancelled: the aggregation fired on item {firedOn} and needs no more"),
                reportUnhandled: false);
        }

        // Otherwise the rest runs on, like Twisted's Deferreds after their list fired, until it
        // settles or the deadline passes; only then does the aggregator stop.
    }

    private void SettleUnfinished(Func<int, WorkFailure> cause, bool reportUnhandled)
    {
        // Every unfinished item is settled below, so all running tasks may stop.
        _cancellation?.CancelAsync();
        _settlingUnfinished = true;
        for (var index = 0; index < _outcomes.Length; index++)
        {
            if (_outcomes[index] is not null)
            {
                continue;
            }

            if (!_postStopped && _children?[index] is { } child)
            {
                Context.Stop(child);
            }

            Settle(index, new Outcome.Failure(cause(index)), reportUnhandled);
        }

        _settlingUnfinished = false;
    }

    private void ReportUnconsumed(int index, WorkFailure cause)
    {
        if (_items[index].Errback is { } errback)
        {
            try
            {
                errback(cause);
                return;
            }
            catch (Exception e)
            {
                _log.Warning(e, "Unhandled failure in aggregation item {0}: its errback threw ({1}) while handling: {2}", Label(index), e.Message, cause.Reason);
                return;
            }
        }

        _log.Warning(cause.Exception, "Unhandled failure in aggregation item {0}: {1}", Label(index), cause.Reason);
    }

    private AggregationResult CompletedResult()
    {
        if (_keys is null)
        {
            return new AggregationCompleted(_outcomes);
        }

        var byKey = new OrderedDictionary<string, Outcome>(_keys.Length, StringComparer.Ordinal);
        for (var index = 0; index < _keys.Length; index++)
        {
            byKey.Add(_keys[index], _outcomes[index]);
        }

        return new KeyedAggregationCompleted(byKey);
    }

    private void StopSelf()
    {
        if (!_postStopped)
        {
            Context.Stop(Self);
        }
    }

    private string ChildName(int index) => _items[index] switch
    {
        { Name: { } name } => name,
        NestedWork or KeyedNestedWork => $"nested-{index}",
        _ => $"work-{index}",
    };

    private string Label(int index)
    {
        if (_keys is not null)
        {
            return $"{index} '{_keys[index]}'";
        }

        return _items[index] is TaskWork { Name: null } ? index.ToString() : $"{index} '{ChildName(index)}'";
    }

    private static Outcome OutcomeOf(Task<object?> task) => task.Status switch
    {
        TaskStatus.RanToCompletion => new Outcome.Success(task.Result),
        TaskStatus.Canceled => new Outcome.Failure(WorkFailure.Cancelled("cancelled: the task was cancelled")),
        _ => new Outcome.Failure(WorkFailure.FromException(task.Exception!)),
    };

    internal static Outcome NestedOutcome(AggregationResult result) => result switch
    {
        AggregationCompleted completed => new Outcome.Success(completed.Outcomes),
        KeyedAggregationCompleted completed => new Outcome.Success(completed.Outcomes),
        AggregationFailed failed => new Outcome.Failure(WorkFailure.Error(
            $"the nested aggregation failed on item {failed.Error.Index}: {failed.Error.Failure.Reason}",
            new FirstErrorException(failed.Error))),
        _ => new Outcome.Success(result),
    };

    /// <summary>A task item finished; sent from the task's continuation.</summary>
    private sealed record TaskFinished(int Index, Outcome Outcome) : IDeadLetterSuppression;

    /// <summary>A worker threw; sent by the supervisor strategy before the worker stops.</summary>
    internal sealed record WorkerCrashed(IActorRef Worker, Exception Cause) : IDeadLetterSuppression;

    /// <summary>The deadline timer's message, and its key.</summary>
    private sealed class DeadlineReached
    {
        public static readonly DeadlineReached Instance = new();
    }

    /// <summary>The request's token was cancelled: the requester has gone.</summary>
    private sealed class Abandon : IDeadLetterSuppression
    {
        public static readonly Abandon Instance = new();
    }

    private sealed class Producer(Func<AggregatorActor> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(AggregatorActor);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
        }
    }

    /// <summary>Stops a failing worker (a restart would redo its work) and reports why it failed.</summary>
    internal sealed class StopAndReportStrategy : OneForOneStrategy
    {
        public StopAndReportStrategy()
            : base(_ => Directive.Stop, loggingEnabled: false)
        {
        }

        public override void ProcessFailure(
            IActorContext context,
            bool restart,
            IActorRef child,
            Exception cause,
            ChildRestartStats stats,
            IReadOnlyCollection<ChildRestartStats> children)
        {
            // Runs on the aggregator's own thread, before the child's Terminated is queued.
            context.Self.Tell(new WorkerCrashed(child, cause), child);
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }
}
