using Akka.Actor;
using Akka.Event;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Services;

/// <summary>
/// A collection of services that is itself a service: Twisted's <c>MultiService</c>, and with
/// the node's root, its <c>Application</c>. It starts its children in insertion order and stops
/// them in reverse order, awaiting each; a child that cannot start fails the whole start (the
/// children already started are stopped again) with a reason naming that child. While running,
/// a child that crashes is re-created and restarted after an exponential back-off while its
/// siblings keep serving. Answers <see cref="ServiceProtocol"/>: start, stop, status, lookup by
/// name, listing, add (duplicate names refused; started at once when running) and remove
/// (a running child is stopped first).
/// </summary>
public sealed class ServiceCollectionActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly ServiceSettings _settings;
    private readonly List<Child> _children = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // The one request being worked on while Starting or Stopping; others wait in the stash.
    private IActorRef _requester = ActorRefs.Nobody;
    private int _cursor;
    private ServiceStartFailed? _startFailure;

    public ServiceCollectionActor(IEnumerable<ServiceSpec> children, ServiceSettings settings)
    {
        _settings = settings;
        foreach (var spec in children)
        {
            if (Find(spec.Name) is not null)
                throw new ArgumentException($"duplicate service name '{spec.Name}'");
            _children.Add(new Child(spec));
        }
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    private string Name => Self.Path.Name;

    /// <summary>Props for a collection of <paramref name="children"/>, started in the order given.</summary>
    public static Props Props(IEnumerable<ServiceSpec> children, ServiceSettings? settings = null)
    {
        var list = children.ToList();
        var s = settings ?? ServiceSettings.Default;
        return Akka.Actor.Props.Create(() => new ServiceCollectionActor(list, s));
    }

    // A crashed child is stopped, not restarted in place, so that its collection can restart it
    // after a back-off and send it a fresh start (Akka's restart would be immediate and silent).
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        foreach (var child in _children) Create(child);
    }

    protected override void OnReceive(object message) => Stopped(message);

    // ---- states ------------------------------------------------------------------------------

    private void Stopped(object message)
    {
        switch (message)
        {
            case StartService:
                _requester = Sender;
                _cursor = -1;
                _log.Debug("starting {0}", PathOf(null));
                Become(Starting);
                StartNext();
                break;
            case StopService:
                Sender.Tell(new ServiceStopped(Name));
                break;
            case AddService add:
                HandleAdd(add, running: false);
                break;
            case RemoveService remove:
                HandleRemove(remove, running: false);
                break;
            default:
                if (!HandleCommon(message, running: false)) Unhandled(message);
                break;
        }
    }

    private void Starting(object message)
    {
        switch (message)
        {
            case ServiceStarted when IsCurrent(Sender):
                Timers.Cancel(StepTimeout.Key);
                _children[_cursor].MarkRunning();
                LogPerService("service {0} started", PathOf(_children[_cursor]));
                StartNext();
                break;
            case ServiceStartFailed failed when IsCurrent(Sender):
                Timers.Cancel(StepTimeout.Key);
                FailStart(new ServiceStartFailed($"{_children[_cursor].Name}/{failed.ServicePath}".TrimEnd('/'), failed.Reason));
                break;
            case StepTimeout timeout when timeout.Cursor == _cursor:
                var late = _children[_cursor];
                Context.Stop(late.Ref);
                FailStart(new ServiceStartFailed(late.Name, $"did not start within {_settings.StartTimeout.TotalSeconds:0.##} s"));
                break;
            case Terminated t when IsCurrent(t.ActorRef):
                Timers.Cancel(StepTimeout.Key);
                var dead = _children[_cursor];
                dead.Detach();
                ScheduleRecreate(dead, running: false);
                FailStart(new ServiceStartFailed(dead.Name, "crashed while starting"));
                break;
            case Terminated t when FindByRef(t.ActorRef) is { Running: true } crashed:
                // A child that had started crashed while later ones were starting: the start as a
                // whole fails (Twisted's startService raises), the rest is undone.
                Timers.Cancel(StepTimeout.Key);
                crashed.Detach();
                ScheduleRecreate(crashed, running: false);
                var starting = _children[_cursor];
                Context.Stop(starting.Ref);
                FailStart(new ServiceStartFailed(crashed.Name, $"crashed while {starting.Name} was starting"));
                break;
            case StartService or StopService or AddService or RemoveService:
                Stash.Stash();
                break;
            default:
                if (!HandleCommon(message, running: false)) Unhandled(message);
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
                _requester = Sender;
                _cursor = _children.Count;
                _startFailure = null;
                _log.Debug("stopping {0}", PathOf(null));
                Become(Stopping);
                StopNext();
                break;
            case AddService add:
                HandleAdd(add, running: true);
                break;
            case RemoveService remove:
                HandleRemove(remove, running: true);
                break;
            case ServiceStarted started when FindByRef(Sender) is { } restarted:
                // The answer to a restart after a crash.
                restarted.MarkRunning();
                _log.Info("service {0} restarted", PathOf(restarted));
                break;
            case ServiceStartFailed failed when FindByRef(Sender) is { } broken:
                _log.Warning("service {0} could not restart: {1}", PathOf(broken), failed);
                broken.Restarting = false;
                Context.Stop(broken.Ref);
                break;
            default:
                if (!HandleCommon(message, running: true)) Unhandled(message);
                break;
        }
    }

    private void Stopping(object message)
    {
        switch (message)
        {
            case ServiceStopped when IsCurrent(Sender):
                Timers.Cancel(StepTimeout.Key);
                _children[_cursor].MarkStopped();
                LogPerService("service {0} stopped", PathOf(_children[_cursor]));
                StopNext();
                break;
            case StepTimeout timeout when timeout.Cursor == _cursor:
                var late = _children[_cursor];
                _log.Warning("service {0} did not stop within {1:0.##} s; cutting it off",
                    PathOf(late), _settings.StopTimeout.TotalSeconds);
                late.MarkStopped();
                Context.Stop(late.Ref);
                StopNext();
                break;
            case Terminated t when IsCurrent(t.ActorRef):
                Timers.Cancel(StepTimeout.Key);
                var dead = _children[_cursor];
                dead.Detach();
                ScheduleRecreate(dead, running: false);
                StopNext();
                break;
            case StartService or StopService or AddService or RemoveService:
                Stash.Stash();
                break;
            default:
                // As Twisted's stopService does first: a stopping collection no longer runs, so a
                // child that crashes now is not started again behind the stop's back.
                if (!HandleCommon(message, running: false)) Unhandled(message);
                break;
        }
    }

    // ---- start and stop, one child at a time ---------------------------------------------------

    private void StartNext()
    {
        _cursor++;
        while (_cursor < _children.Count && _children[_cursor].Running) _cursor++;
        if (_cursor == _children.Count)
        {
            _log.Debug("{0} started", PathOf(null));
            _requester.Tell(new ServiceStarted(Name));
            BecomeAfterTransition(Running);
            return;
        }

        var child = _children[_cursor];
        if (child.Ref.IsNobody()) Create(child);
        child.Ref.Tell(StartService.Instance);
        Timers.StartSingleTimer(StepTimeout.Key, new StepTimeout(_cursor), _settings.StartTimeout);
    }

    private void FailStart(ServiceStartFailed failure)
    {
        _log.Warning("service {0} could not start: {1}", PathOf(null), failure);
        // Undo: stop what already started, in reverse, then answer with the failure.
        _startFailure = failure;
        Become(Stopping);
        StopNext();
    }

    private void StopNext()
    {
        _cursor--;
        // A child whose restart is still under way counts: it may be running by now.
        while (_cursor >= 0 && !_children[_cursor].Running && !_children[_cursor].Restarting) _cursor--;
        if (_cursor < 0)
        {
            if (_startFailure is { } failure)
            {
                _requester.Tell(failure);
                _startFailure = null;
            }
            else
            {
                _log.Debug("{0} stopped", PathOf(null));
                _requester.Tell(new ServiceStopped(Name));
            }
            BecomeAfterTransition(Stopped);
            return;
        }

        var child = _children[_cursor];
        _log.Debug("stopping {0}", PathOf(child));
        child.Ref.Tell(StopService.Instance);
        Timers.StartSingleTimer(StepTimeout.Key, new StepTimeout(_cursor), _settings.StopTimeout);
    }

    private void BecomeAfterTransition(UntypedReceive state)
    {
        _requester = ActorRefs.Nobody;
        Become(state);
        Stash.UnstashAll();
    }

    // ---- add, remove, lookups ----------------------------------------------------------------

    private void HandleAdd(AddService add, bool running)
    {
        var spec = add.Service;
        if (Find(spec.Name) is not null)
        {
            Sender.Tell(new AddServiceRefused(spec.Name, $"a service named '{spec.Name}' already exists in '{Name}'"));
            return;
        }

        // Insert before the named sibling when there is one (a reload keeps the file's order that
        // way, so the node still stops in the reverse of it); otherwise append, as addService does.
        var child = new Child(spec);
        var position = add.Before is { } before && _children.FindIndex(c => c.Name == before) is >= 0 and var index
            ? index
            : _children.Count;
        _children.Insert(position, child);
        Create(child);
        if (!running)
        {
            Sender.Tell(new ServiceAdded(spec.Name));
            return;
        }

        // Twisted starts a child added to a running collection at once; the answer waits for it.
        _requester = Sender;
        _cursor = position;
        _log.Debug("starting {0}", PathOf(child));
        child.Ref.Tell(StartService.Instance);
        Timers.StartSingleTimer(StepTimeout.Key, new StepTimeout(_cursor), _settings.StartTimeout);
        Become(AddingRunning);
    }

    private void AddingRunning(object message)
    {
        switch (message)
        {
            case ServiceStarted when IsCurrent(Sender):
                Timers.Cancel(StepTimeout.Key);
                var added = _children[_cursor];
                added.MarkRunning();
                LogPerService("service {0} started", PathOf(added));
                _requester.Tell(new ServiceAdded(added.Name));
                BecomeAfterTransition(Running);
                break;
            case ServiceStartFailed failed when IsCurrent(Sender):
                RefuseAdd(failed.ToString());
                break;
            case StepTimeout timeout when timeout.Cursor == _cursor:
                RefuseAdd($"did not start within {_settings.StartTimeout.TotalSeconds:0.##} s");
                break;
            case Terminated t when IsCurrent(t.ActorRef):
                _children[_cursor].Detach();
                RefuseAdd("crashed while starting");
                break;
            case StartService or StopService or AddService or RemoveService:
                Stash.Stash();
                break;
            default:
                if (!HandleCommon(message, running: true)) Unhandled(message);
                break;
        }
    }

    private void RefuseAdd(string reason)
    {
        // A child that could not start is not kept: the caller may fix it and add it again.
        Timers.Cancel(StepTimeout.Key);
        var child = _children[_cursor];
        _children.RemoveAt(_cursor);
        _log.Warning("service {0} could not start: {1}", PathOf(child), reason);
        _pendingRemoval = (child, _requester, new AddServiceRefused(child.Name, reason));
        _removingWhileRunning = true;
        Become(Removing);
        KillRemovedChild();
    }

    private (Child Child, IActorRef ReplyTo, object Answer)? _pendingRemoval;
    private bool _removingWhileRunning;

    private void HandleRemove(RemoveService remove, bool running)
    {
        var child = Find(remove.Name);
        if (child is null)
        {
            Sender.Tell(new NoSuchService(remove.Name));
            return;
        }

        _pendingRemoval = (child, Sender, new ServiceRemoved(child.Name));
        _removingWhileRunning = running;
        Become(Removing);
        if (child.Running)
        {
            _log.Debug("stopping {0}", PathOf(child));
            child.Ref.Tell(StopService.Instance);
            Timers.StartSingleTimer(StepTimeout.Key, new StepTimeout(-2), _settings.StopTimeout);
        }
        else
        {
            KillRemovedChild();
        }
    }

    private void Removing(object message)
    {
        var removed = _pendingRemoval!.Value.Child;
        switch (message)
        {
            case ServiceStopped when Sender.Equals(removed.Ref):
                Timers.Cancel(StepTimeout.Key);
                LogPerService("service {0} stopped", PathOf(removed));
                removed.MarkStopped();
                KillRemovedChild();
                break;
            case StepTimeout { Cursor: -2 }:
                _log.Warning("service {0} did not stop within {1:0.##} s; cutting it off",
                    PathOf(removed), _settings.StopTimeout.TotalSeconds);
                removed.MarkStopped();
                KillRemovedChild();
                break;
            case Terminated t when t.ActorRef.Equals(removed.Ref):
                // Only now is the actor name free again, so the same name can be added back.
                Timers.Cancel(StepTimeout.Key);
                FinishRemoval();
                break;
            case StartService or StopService or AddService or RemoveService:
                Stash.Stash();
                break;
            default:
                if (!HandleCommon(message, _removingWhileRunning)) Unhandled(message);
                break;
        }
    }

    private void KillRemovedChild()
    {
        var removed = _pendingRemoval!.Value.Child;
        Timers.Cancel(RestartChild.KeyFor(removed.Name));
        if (removed.Ref.IsNobody())
            FinishRemoval();
        else
            Context.Stop(removed.Ref);
    }

    private void FinishRemoval()
    {
        var (child, replyTo, answer) = _pendingRemoval!.Value;
        _pendingRemoval = null;
        _children.Remove(child);
        replyTo.Tell(answer);
        BecomeAfterTransition(_removingWhileRunning ? Running : Stopped);
    }

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
                    child.Restarting = true;
                    child.Ref.Tell(StartService.Instance);
                }
                return true;
            case ServiceStopped or ServiceStarted or ServiceStartFailed or StepTimeout or RestartChild:
                // A late answer from a child we stopped waiting for.
                return true;
            default:
                return false;
        }
    }

    private void HandleCrash(Child child, bool collectionRunning)
    {
        var wasRunning = child.Running;
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
        if (child.RanLongEnough(_settings.ResetBackoffAfter)) child.Crashes = 0;
        child.Crashes++;
        var delay = _settings.BackoffFor(child.Crashes);
        if (running)
            _log.Warning("service {0} crashed; restarting it in {1:0.###} s", PathOf(child), delay.TotalSeconds);
        Timers.StartSingleTimer(RestartChild.KeyFor(child.Name), new RestartChild(child.Name), delay);
    }

    private void Create(Child child)
    {
        child.Ref = Context.ActorOf(child.Spec.Props, child.Name);
        Context.Watch(child.Ref);
    }

    /// <summary>The service's path below /user, such as node/ecstasy/listener: what an operator reads in the logs.</summary>
    // One line per service: the node's root collection (the Application, a top-level actor) says
    // each of its services started or stopped; a nested collection says it of its parts only at
    // debug level, or a stop of the default node would be four lines per service.
    private void LogPerService(string format, string path)
    {
        if (Self.Path.Parent.Elements.Count <= 1) _log.Info(format, path);
        else _log.Debug(format, path);
    }

    private string PathOf(Child? child)
    {
        var own = string.Join('/', Self.Path.Elements.SkipWhile(e => e != "user").Skip(1));
        return child is null ? own : own + "/" + child.Name;
    }

    private bool IsCurrent(IActorRef actor) =>
        _cursor >= 0 && _cursor < _children.Count && actor.Equals(_children[_cursor].Ref);

    private Child? Find(string name) => _children.Find(c => c.Name == name);

    private Child? FindByRef(IActorRef actor) => _children.Find(c => actor.Equals(c.Ref));

    /// <summary>One child: its spec, its current actor and whether it runs.</summary>
    private sealed class Child(ServiceSpec spec)
    {
        public ServiceSpec Spec { get; } = spec;
        public string Name => Spec.Name;
        public IActorRef Ref { get; set; } = ActorRefs.Nobody;
        public bool Running { get; private set; }
        public bool WantsRunning { get; set; }
        /// <summary>Sent a start by a restart after a crash, not yet answered.</summary>
        public bool Restarting { get; set; }
        public int Crashes { get; set; }
        private DateTime _runningSince;

        public void MarkRunning()
        {
            Running = true;
            WantsRunning = Restarting = false;
            _runningSince = DateTime.UtcNow;
        }

        public void MarkStopped() => Running = WantsRunning = Restarting = false;

        public void Detach()
        {
            Ref = ActorRefs.Nobody;
            Running = Restarting = false;
        }

        public bool RanLongEnough(TimeSpan span) => _runningSince != default && DateTime.UtcNow - _runningSince >= span;
    }

    private sealed record StepTimeout(int Cursor)
    {
        public const string Key = "step-timeout";
    }

    private sealed record RestartChild(string Name)
    {
        public static string KeyFor(string name) => "restart-" + name;
    }
}
