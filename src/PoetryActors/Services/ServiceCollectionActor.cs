using Akka.Actor;
using Akka.Event;
using static PoetryActors.Services.ReloadProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Services;

/// <summary>
/// A collection of services that is itself a service: Twisted's <c>MultiService</c>, and with
/// the node's root, its <c>Application</c>. It starts its children in insertion order and stops
/// them in reverse order, awaiting each; a child that cannot start fails the whole start (the
/// children already started are stopped again) with a reason naming that child. While running,
/// a child that crashes is re-created and restarted after an exponential back-off while its
/// siblings keep serving. Answers <see cref="ServiceProtocol"/>: start, stop, status, lookup by
/// name, listing, add (duplicate names refused; started at once when running), remove
/// (a running child is stopped first) and, for the node's root, a reload
/// (<see cref="ReloadProtocol"/>: the collection alone knows what runs, and applies the plan).
/// </summary>
/// <remarks>
/// Each phase is a state that carries the request it works on (who to answer, which child's
/// answer it awaits, the step's timeout); requests that come meanwhile wait in the stash. A child
/// whose start is still under way (a restart after a crash) is stopped, never killed: its stop
/// is queued behind its start, so what the start acquired (a port) is released. Each step waits
/// for the child's own budget: a leaf's stop-timeout, or for a nested collection the sum of its
/// children's (<see cref="ServiceSpec.StopBudget"/>), so nested timeouts compose and a nested
/// collection that drains in full is not cut off by its parent.
/// </remarks>
public sealed class ServiceCollectionActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly ServiceCollectionSettings _settings;
    private readonly List<Child> _children = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _lastStep;

    public ServiceCollectionActor(IEnumerable<ServiceSpec> children, ServiceCollectionSettings settings)
    {
        _settings = settings;
        foreach (var spec in children)
        {
            if (Find(spec.Name) is not null)
            {
                throw new ArgumentException($"duplicate service name '{spec.Name}'");
            }

            _children.Add(new Child(spec));
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    private string Name => Self.Path.Name;

    /// <summary>Props for a collection of <paramref name="children"/>, started in the order given.</summary>
    public static Props Props(IEnumerable<ServiceSpec> children, ServiceCollectionSettings? settings = null)
    {
        var list = children.ToList();
        var s = settings ?? ServiceCollectionSettings.Default;
        return ConstructorProps.Of(() => new ServiceCollectionActor(list, s));
    }

    // A crashed child is stopped, not restarted in place, so that its collection can restart it
    // after a back-off and send it a fresh start (Akka's restart would be immediate and silent).
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        foreach (var child in _children)
        {
            Create(child);
        }
    }

    protected override void OnReceive(object message) => Stopped(message);

    // ---- states ------------------------------------------------------------------------------

    private void Stopped(object message)
    {
        switch (message)
        {
            case StartService:
                _log.Debug("starting {0}", PathOf(null));
                StartFrom(0, Sender);
                break;
            case StopService:
                Sender.Tell(new ServiceStopped(Name));
                break;
            case AddService add:
                HandleAdd(add, running: false);
                break;
            case RemoveService remove:
                BeginRemoval(remove, running: false);
                break;
            case ReloadServices reload:
                BeginReload(reload, running: false);
                break;
            default:
                if (!HandleCommon(message, running: false))
                {
                    Unhandled(message);
                }

                break;
        }
    }

    private void Running(object message)
    {
        switch (message)
        {
            case StartService:
                Sender.Tell(new ServiceStarted(Name));
                break;
            case StopService:
                _log.Debug("stopping {0}", PathOf(null));
                StopFrom(_children.Count - 1, Sender, failure: null);
                break;
            case AddService add:
                HandleAdd(add, running: true);
                break;
            case RemoveService remove:
                BeginRemoval(remove, running: true);
                break;
            case ReloadServices reload:
                BeginReload(reload, running: true);
                break;
            default:
                if (!HandleCommon(message, running: true))
                {
                    Unhandled(message);
                }

                break;
        }
    }

    /// <summary>Starting the children in order for <paramref name="replyTo"/>; <paramref name="step"/> awaits child <paramref name="index"/>.</summary>
    private void Starting(object message, IActorRef replyTo, int index, Step step)
    {
        var child = step.Child;
        var ended = OnStartStep(message, step, failure =>
        {
            if (failure is null)
            {
                StartFrom(index + 1, replyTo);
            }
            else
            {
                Undo(replyTo, index, new ServiceStartFailed($"{child.Name}/{failure.ServicePath}".TrimEnd('/'), failure.Reason));
            }
        });
        if (ended)
        {
            return;
        }

        switch (message)
        {
            case Terminated t when FindByRef(t.ActorRef) is { Running: true } crashed:
                // A child that had started crashed while later ones were starting: the start as a
                // whole fails (Twisted's startService raises), the rest is undone.
                Timers.Cancel(Step.Key);
                crashed.Detach();
                ScheduleRecreate(crashed, running: false);
                child.MarkStopped();
                Context.Stop(child.Ref);
                Undo(replyTo, index, new ServiceStartFailed(crashed.Name, $"crashed while {child.Name} was starting"));
                break;
            default:
                WhileBusy(message, running: false);
                break;
        }
    }

    /// <summary>
    /// Stopping the children in reverse order for <paramref name="replyTo"/>; <paramref name="step"/>
    /// awaits child <paramref name="index"/>. With a <paramref name="failure"/>, this undoes a start
    /// that failed, and the failure is the answer.
    /// </summary>
    private void Stopping(object message, IActorRef replyTo, int index, Step step, ServiceStartFailed? failure)
    {
        var ended = OnStopStep(message, step, lives =>
        {
            if (!lives)
            {
                ScheduleRecreate(step.Child, running: false);
            }

            StopFrom(index - 1, replyTo, failure);
        });
        if (!ended)
        {
            // As Twisted's stopService does first: a stopping collection no longer runs, so a
            // child that crashes now is not started again behind the stop's back.
            WhileBusy(message, running: false);
        }
    }

    /// <summary>
    /// Starting the child just added to a running collection; <paramref name="then"/> gets
    /// <see cref="ServiceAdded"/> once it has started, or <see cref="AddServiceRefused"/> once the
    /// child that could not start is gone again.
    /// </summary>
    private void Adding(object message, Step step, Action<object> then)
    {
        var ended = OnStartStep(message, step, failure =>
        {
            if (failure is null)
            {
                then(new ServiceAdded(step.Child.Name));
            }
            else
            {
                RefuseAdd(step.Child, failure.ToString(), then);
            }
        });
        if (!ended)
        {
            WhileBusy(message, running: true);
        }
    }

    /// <summary>
    /// Taking <paramref name="removal"/>'s child out: stopping it first when it runs or its start is
    /// under way (<paramref name="stop"/> awaits that), then ending its actor, whose end frees the
    /// name; then the removal goes on with its answer.
    /// </summary>
    private void Removing(object message, Removal removal, Step? stop)
    {
        var child = removal.Child;
        if (stop is not null && OnStopStep(message, stop, lives =>
            {
                if (lives)
                {
                    Terminate(removal);
                }
                else
                {
                    Removed(removal);
                }
            }))
        {
            return;
        }

        switch (message)
        {
            case ServiceStarted or ServiceStartFailed when Sender.Equals(child.Ref):
                // The answer to its restart; the answer to the stop queued behind it comes next.
                break;
            case Terminated t when t.ActorRef.Equals(child.Ref):
                // Only now is the actor name free again, so the same name can be added back.
                Removed(removal);
                break;
            default:
                WhileBusy(message, removal.CollectionRunning);
                break;
        }
    }

    // ---- the end of a step, the same in every state that awaits one child -----------------------

    /// <summary>
    /// Whether <paramref name="message"/> ends <paramref name="step"/>: the child's answer to it, the
    /// step's timeout, or the child's end (it crashed, or was stopped); null when it is none of them.
    /// </summary>
    private StepEnd? EndOf(object message, Step step)
    {
        var child = step.Child;
        switch (message)
        {
            case ServiceStarted or ServiceStartFailed when step.IsStart && Sender.Equals(child.Ref):
            case ServiceStopped when !step.IsStart && Sender.Equals(child.Ref):
                Timers.Cancel(Step.Key);
                return StepEnd.Answered;
            case StepTimeout timeout when timeout.Id == step.Id:
                return StepEnd.TimedOut;
            case Terminated t when t.ActorRef.Equals(child.Ref):
                Timers.Cancel(Step.Key);
                child.Detach();
                return StepEnd.ChildEnded;
            default:
                return null;
        }
    }

    /// <summary>
    /// Handles the end of a start step wherever a child is started (a collection's start, an add):
    /// the child is marked for what happened and <paramref name="then"/> gets null when it started,
    /// or why not (its path relative to the child). Returns whether <paramref name="message"/> ended the step.
    /// </summary>
    private bool OnStartStep(object message, Step step, Action<ServiceStartFailed?> then)
    {
        var child = step.Child;
        switch (EndOf(message, step))
        {
            case null:
                return false;
            case StepEnd.Answered when message is ServiceStartFailed failed:
                child.MarkStopped();
                then(failed);
                break;
            case StepEnd.Answered:
                child.MarkRunning();
                LogPerService("service {0} started", PathOf(child));
                then(null);
                break;
            case StepEnd.TimedOut:
                // A start that hangs is stuck: there is no answer to wait for behind it.
                child.MarkStopped();
                Context.Stop(child.Ref);
                then(new ServiceStartFailed("", $"did not start within {Seconds(step.Timeout)} s"));
                break;
            case StepEnd.ChildEnded:
                ScheduleRecreate(child, running: false);
                then(new ServiceStartFailed("", "crashed while starting"));
                break;
        }

        return true;
    }

    /// <summary>
    /// Handles the end of a stop step wherever a child is stopped (a collection's stop, a removal):
    /// a child that does not stop in time is cut off; <paramref name="then"/> gets whether the
    /// child's actor lives on (false when it ended instead of answering). Returns whether
    /// <paramref name="message"/> ended the step.
    /// </summary>
    private bool OnStopStep(object message, Step step, Action<bool> then)
    {
        var child = step.Child;
        switch (EndOf(message, step))
        {
            case null:
                return false;
            case StepEnd.Answered:
                child.MarkStopped();
                LogPerService("service {0} stopped", PathOf(child));
                then(true);
                break;
            case StepEnd.TimedOut:
                CutOff(child, step.Timeout);
                then(true);
                break;
            case StepEnd.ChildEnded:
                then(false);
                break;
        }

        return true;
    }

    // ---- start and stop, one child at a time ---------------------------------------------------

    private void StartFrom(int index, IActorRef replyTo)
    {
        while (index < _children.Count && _children[index].Running)
        {
            index++;
        }

        if (index == _children.Count)
        {
            _log.Debug("{0} started", PathOf(null));
            replyTo.Tell(new ServiceStarted(Name));
            BecomeIdle(Running);
            return;
        }

        var child = _children[index];
        if (child.Ref.IsNobody())
        {
            Create(child);
        }

        _log.Debug("starting {0}", PathOf(child));
        child.MarkStarting();
        var step = Ask(child, StartService.Instance, StartTimeoutOf(child));
        Become(m => Starting(m, replyTo, index, step));
    }

    private void Undo(IActorRef replyTo, int failedAt, ServiceStartFailed failure)
    {
        _log.Warning("service {0} could not start: {1}", PathOf(null), failure);
        // Stop what already started, in reverse, then answer with the failure.
        StopFrom(failedAt - 1, replyTo, failure);
    }

    private void StopFrom(int index, IActorRef replyTo, ServiceStartFailed? failure)
    {
        // A child whose restart is still under way counts: it will be running by the time it reads the stop.
        while (index >= 0 && !_children[index].NeedsStop)
        {
            index--;
        }

        if (index < 0)
        {
            if (failure is null)
            {
                _log.Debug("{0} stopped", PathOf(null));
            }

            replyTo.Tell(failure ?? (object)new ServiceStopped(Name));
            BecomeIdle(Stopped);
            return;
        }

        var child = _children[index];
        _log.Debug("stopping {0}", PathOf(child));
        var step = Ask(child, StopService.Instance, StopTimeoutOf(child));
        Become(m => Stopping(m, replyTo, index, step, failure));
    }

    private void BecomeIdle(UntypedReceive state)
    {
        Become(state);
        Stash.UnstashAll();
    }

    /// <summary>The end of a request from outside: answer it, and take the next one.</summary>
    private Action<object> Reply(IActorRef replyTo, bool running) => answer =>
    {
        replyTo.Tell(answer);
        BecomeIdle(running ? Running : Stopped);
    };

    /// <summary>What every state that works on a request does with other messages: requests wait, the rest is common.</summary>
    private void WhileBusy(object message, bool running)
    {
        if (message is StartService or StopService or AddService or RemoveService or ReloadServices)
        {
            Stash.Stash();
        }
        else if (!HandleCommon(message, running))
        {
            Unhandled(message);
        }
    }

    // ---- add, remove, reload, lookups ------------------------------------------------------------

    private void HandleAdd(AddService add, bool running)
    {
        var spec = add.Service;
        if (Find(spec.Name) is not null)
        {
            Sender.Tell(new AddServiceRefused(spec.Name, $"a service named '{spec.Name}' already exists in '{Name}'"));
            return;
        }

        Add(spec, add.Before, running, Reply(Sender, running));
    }

    /// <summary>
    /// Inserts a child and, in a running collection, starts it (Twisted starts a child added to a
    /// running collection at once); <paramref name="then"/> gets <see cref="ServiceAdded"/> or
    /// <see cref="AddServiceRefused"/>. The name must be free.
    /// </summary>
    private void Add(ServiceSpec spec, string? before, bool running, Action<object> then)
    {
        // Insert before the named sibling when there is one (a reload keeps the file's order that
        // way, so the node still stops in the reverse of it); otherwise append, as addService does.
        var child = new Child(spec);
        var position = before is not null && _children.FindIndex(c => c.Name == before) is >= 0 and var index
            ? index
            : _children.Count;
        _children.Insert(position, child);
        Create(child);
        if (!running)
        {
            then(new ServiceAdded(spec.Name));
            return;
        }

        _log.Debug("starting {0}", PathOf(child));
        child.MarkStarting();
        var step = Ask(child, StartService.Instance, StartTimeoutOf(child));
        Become(m => Adding(m, step, then));
    }

    private void RefuseAdd(Child child, string reason, Action<object> then)
    {
        // A child that could not start is not kept: the caller may fix it and add it again.
        _log.Warning("service {0} could not start: {1}", PathOf(child), reason);
        Remove(new Removal(child, new AddServiceRefused(child.Name, reason), CollectionRunning: true, then));
    }

    private void BeginRemoval(RemoveService remove, bool running)
    {
        if (Find(remove.Name) is not { } child)
        {
            Sender.Tell(new NoSuchService(remove.Name));
        }
        else
        {
            Remove(new Removal(child, new ServiceRemoved(child.Name), running, Reply(Sender, running)));
        }
    }

    private void Remove(Removal removal)
    {
        var child = removal.Child;
        Timers.Cancel(RestartChild.KeyFor(child.Name));
        if (child.Ref.IsNobody())
        {
            // Waiting for its back-off: there is no actor to end.
            Removed(removal);
            return;
        }
        if (!child.NeedsStop)
        {
            Terminate(removal);
            return;
        }
        _log.Debug("stopping {0}", PathOf(child));
        var stop = Ask(child, StopService.Instance, StopTimeoutOf(child));
        Become(m => Removing(m, removal, stop));
    }

    private void Terminate(Removal removal)
    {
        Context.Stop(removal.Child.Ref);
        Become(m => Removing(m, removal, null));
    }

    private void Removed(Removal removal)
    {
        Timers.Cancel(Step.Key);
        _children.Remove(removal.Child);
        removal.Then(removal.Answer);
    }

    /// <summary>
    /// A reload: the plan between the children and the wanted ones is worked out here, against what
    /// runs now, then carried out with the collection's own removal and add, one child at a time:
    /// removals first (what they free, a port or a name, may be what an addition needs), then the
    /// additions, a changed child whose new version cannot start put back as it was. Untouched
    /// children never stop. Other requests wait in the stash until the reload is answered.
    /// </summary>
    private void BeginReload(ReloadServices reload, bool running)
    {
        var plan = ReloadPlan.Between(_children.Select(c => c.Spec).ToList(), reload.Services);
        var unstartable = plan.Additions
            .Where(a => reload.Unstartable.ContainsKey(a.Service.Name))
            .Select(a => (a.Service.Name, reload.Unstartable[a.Service.Name]))
            .ToList();
        if (unstartable.Count > 0)
        {
            Sender.Tell(new ReloadRefused(plan, unstartable));
            return;
        }

        if (plan.IsEmpty)
        {
            Sender.Tell(new ServicesReloaded(plan, [], Specs()));
            return;
        }

        _log.Info("reload plan: {0}", plan);
        RemoveNext(new Reload(plan, Sender, running), 0);
    }

    private void RemoveNext(Reload reload, int index)
    {
        if (index == reload.Plan.Removals.Count)
        {
            AddNext(reload, 0);
            return;
        }

        var child = Find(reload.Plan.Removals[index])!;
        reload.Replaced[child.Name] = child.Spec;
        Remove(new Removal(child, new ServiceRemoved(child.Name), reload.CollectionRunning, _ => RemoveNext(reload, index + 1)));
    }

    private void AddNext(Reload reload, int index)
    {
        if (index == reload.Plan.Additions.Count)
        {
            reload.ReplyTo.Tell(new ServicesReloaded(reload.Plan, reload.Failures, Specs()));
            BecomeIdle(reload.CollectionRunning ? Running : Stopped);
            return;
        }

        var (spec, before) = reload.Plan.Additions[index];
        Add(spec, before, reload.CollectionRunning, answer =>
        {
            if (answer is not AddServiceRefused refused)
            {
                AddNext(reload, index + 1);
                return;
            }

            reload.Failures.Add($"{spec.Name}: {refused.Reason}");
            _log.Error("reload: cannot start {0}: {1}", spec.Name, refused.Reason);
            if (!reload.Replaced.TryGetValue(spec.Name, out var previous))
            {
                AddNext(reload, index + 1);
                return;
            }

            Add(previous, before, reload.CollectionRunning, again =>
            {
                if (again is AddServiceRefused still)
                {
                    _log.Error("reload: cannot put the previous {0} back either: {1}", spec.Name, still.Reason);
                }
                else
                {
                    _log.Warning("reload: put the previous {0} back", spec.Name);
                }

                AddNext(reload, index + 1);
            });
        });
    }

    private List<ServiceSpec> Specs() => _children.Select(c => c.Spec).ToList();

    private bool HandleCommon(object message, bool running)
    {
        switch (message)
        {
            case GetStatus:
                Sender.Tell(new CurrentStatus(Name, running));
                return true;
            case GetServiceNamed get:
                Sender.Tell(Find(get.Name) is { } found
                    ? new CurrentService(found.Name, found.Ref, found.Running)
                    : new NoSuchService(get.Name));
                return true;
            case GetServices:
                Sender.Tell(new CurrentServices(_children.Select(c => new CurrentStatus(c.Name, c.Running)).ToList()));
                return true;
            case Terminated t when FindByRef(t.ActorRef) is { } crashed:
                HandleCrash(crashed, running);
                return true;
            case RestartChild restart when Find(restart.Name) is { } child && child.Ref.IsNobody():
                Create(child);
                if (running && child.WantsRunning)
                {
                    _log.Info("restarting service {0}", PathOf(child));
                    child.MarkStarting();
                    child.Ref.Tell(StartService.Instance);
                }
                return true;
            // The answer to a restart after a crash, whatever the collection is doing meanwhile
            // (an add, a removal): the child runs again and is counted so.
            case ServiceStarted when FindByRef(Sender) is { Phase: ChildPhase.Starting } restarted:
                restarted.MarkRunning();
                _log.Info("service {0} restarted", PathOf(restarted));
                return true;
            case ServiceStartFailed failed when FindByRef(Sender) is { Phase: ChildPhase.Starting } broken:
                _log.Warning("service {0} could not restart: {1}", PathOf(broken), failed);
                broken.MarkStopped();
                // Its end is a crash: restarted again after a longer back-off.
                Context.Stop(broken.Ref);
                return true;
            case ServiceStopped when FindByRef(Sender) is { } late:
                // The answer of a child that was cut off: it has stopped after all.
                late.MarkStopped();
                return true;
            case ServiceStarted or ServiceStartFailed or ServiceStopped or StepTimeout or RestartChild:
                // A late answer from a child we stopped waiting for, or gone since.
                return true;
            default:
                return false;
        }
    }

    private void HandleCrash(Child child, bool collectionRunning)
    {
        var wasRunning = child.Phase != ChildPhase.Stopped;
        child.Detach();
        if (collectionRunning && wasRunning)
        {
            child.WantsRunning = true;
            ScheduleRecreate(child, running: true);
        }
        else
        {
            ScheduleRecreate(child, running: false);
        }
    }

    private void ScheduleRecreate(Child child, bool running)
    {
        if (child.RanLongEnough(_settings.ResetBackoffAfter))
        {
            child.Crashes = 0;
        }

        child.Crashes++;
        var delay = _settings.BackoffFor(child.Crashes);
        if (running)
        {
            _log.Warning("service {0} crashed; restarting it in {1:0.###} s", PathOf(child), delay.TotalSeconds);
        }

        Timers.StartSingleTimer(RestartChild.KeyFor(child.Name), new RestartChild(child.Name), delay);
    }

    private void Create(Child child)
    {
        child.Ref = Context.ActorOf(child.Spec.Props, child.Name);
        Context.Watch(child.Ref);
    }

    /// <summary>Sends a start or stop to <paramref name="child"/> and arms the step's timeout.</summary>
    private Step Ask(Child child, object command, TimeSpan timeout)
    {
        var step = new Step(child, ++_lastStep, timeout, IsStart: command is StartService);
        child.Ref.Tell(command);
        Timers.StartSingleTimer(Step.Key, new StepTimeout(step.Id), timeout);
        return step;
    }

    private void CutOff(Child child, TimeSpan waited)
    {
        _log.Warning("service {0} did not stop within {1} s; cutting it off", PathOf(child), Seconds(waited));
        child.MarkStopped();
        Context.Stop(child.Ref);
    }

    // A nested collection's budget composes its children's; a leaf has the collection's own timeouts.
    private TimeSpan StartTimeoutOf(Child child) => child.Spec.StartBudget ?? _settings.StartTimeout;

    private TimeSpan StopTimeoutOf(Child child) => child.Spec.StopBudget ?? _settings.StopTimeout;

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    // One line per service: the node's root collection (the Application, a top-level actor) says
    // each of its services started or stopped; a nested collection says it of its parts only at
    // debug level, or a stop of the default node would be four lines per service.
    private void LogPerService(string format, string path)
    {
        if (Self.Path.Parent.Elements.Count <= 1)
        {
            _log.Info(format, path);
        }
        else
        {
            _log.Debug(format, path);
        }
    }

    /// <summary>The service's path below /user, such as node/ecstasy/listener: what an operator reads in the logs.</summary>
    private string PathOf(Child? child)
    {
        var own = string.Join('/', Self.Path.Elements.SkipWhile(e => e != "user").Skip(1));
        return child is null ? own : own + "/" + child.Name;
    }

    private Child? Find(string name) => _children.Find(c => c.Name == name);

    private Child? FindByRef(IActorRef actor) => _children.Find(c => actor.Equals(c.Ref));

    private enum ChildPhase
    {
        /// <summary>Not running (never started, stopped, or waiting to be re-created).</summary>
        Stopped,
        /// <summary>Sent a start that is not answered yet.</summary>
        Starting,
        Running,
    }

    /// <summary>One child: its spec, its current actor and where it is in its life.</summary>
    private sealed class Child(ServiceSpec spec)
    {
        private DateTime _runningSince;

        public ServiceSpec Spec { get; } = spec;
        public string Name => Spec.Name;
        public IActorRef Ref { get; set; } = ActorRefs.Nobody;
        public ChildPhase Phase { get; private set; }
        public bool Running => Phase == ChildPhase.Running;
        /// <summary>Whether it must be sent a stop: it runs, or will once its start is done.</summary>
        public bool NeedsStop => Phase != ChildPhase.Stopped && !Ref.IsNobody();
        /// <summary>Crashed while running: its restart is to start it again.</summary>
        public bool WantsRunning { get; set; }
        public int Crashes { get; set; }

        public void MarkStarting() => Phase = ChildPhase.Starting;

        public void MarkRunning()
        {
            Phase = ChildPhase.Running;
            WantsRunning = false;
            _runningSince = DateTime.UtcNow;
        }

        public void MarkStopped()
        {
            Phase = ChildPhase.Stopped;
            WantsRunning = false;
        }

        public void Detach()
        {
            Ref = ActorRefs.Nobody;
            Phase = ChildPhase.Stopped;
        }

        public bool RanLongEnough(TimeSpan span) => _runningSince != default && DateTime.UtcNow - _runningSince >= span;
    }

    /// <summary>
    /// An awaited answer of <paramref name="Child"/> to a start (<paramref name="IsStart"/>) or a
    /// stop, and how long it may take; its timeout carries <paramref name="Id"/>.
    /// </summary>
    private sealed record Step(Child Child, long Id, TimeSpan Timeout, bool IsStart)
    {
        public const string Key = "step-timeout";
    }

    /// <summary>The timeout of the step <paramref name="Id"/>: stale once a later step has begun.</summary>
    private sealed record StepTimeout(long Id);

    /// <summary>How a step that awaits one child ended.</summary>
    private enum StepEnd
    {
        /// <summary>The child answered the start or the stop.</summary>
        Answered,
        /// <summary>The step's timeout came first.</summary>
        TimedOut,
        /// <summary>The child's actor ended (it crashed, or was stopped) before it answered.</summary>
        ChildEnded,
    }

    /// <summary>A removal under way: its answer, what the collection was doing, and what comes after it (<paramref name="Then"/> gets the answer).</summary>
    private sealed record Removal(Child Child, object Answer, bool CollectionRunning, Action<object> Then);

    /// <summary>A reload under way: its plan, whom to answer, the children it took out (to put back), and what could not start.</summary>
    private sealed record Reload(ReloadPlan Plan, IActorRef ReplyTo, bool CollectionRunning)
    {
        public Dictionary<string, ServiceSpec> Replaced { get; } = [];
        public List<string> Failures { get; } = [];
    }

    private sealed record RestartChild(string Name)
    {
        public static string KeyFor(string name) => "restart-" + name;
    }
}
