using Akka.Actor;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Services;

/// <summary>How a <see cref="FakeService"/> answers the service protocol.</summary>
public enum FakeMode
{
    /// <summary>Answers a start or a stop only when sent <see cref="FakeService.Answer"/>.</summary>
    Manual,
    /// <summary>Answers every start and stop at once.</summary>
    Auto,
    /// <summary>Refuses every start with <see cref="FakeService.FailureReason"/>.</summary>
    FailingStart,
    /// <summary>Refuses its first start, then answers every start and stop at once.</summary>
    FailingFirstStart,
}

/// <summary>
/// A leaf service for collection scenarios: it reports every start and stop it is asked for to a
/// probe (as its own sender, so <c>probe.LastSender</c> is the service) and answers the service
/// protocol directly, as its <see cref="FakeMode"/> says. <see cref="Crash"/> makes it throw.
/// </summary>
public sealed class FakeService : UntypedActor
{
    public const string FailureReason = "the fake refuses to start";

    private readonly IActorRef _probe;
    private readonly FakeMode _mode;
    private IActorRef _pending = ActorRefs.Nobody;
    private object? _pendingAnswer;
    private bool _running;
    private int _starts;

    public FakeService(IActorRef probe, FakeMode mode)
    {
        _probe = probe;
        _mode = mode;
    }

    public static Props Props(IActorRef probe, FakeMode mode = FakeMode.Auto) =>
        Akka.Actor.Props.Create(() => new FakeService(probe, mode));

    private string Name => Self.Path.Name;

    /// <summary>Reported to the probe when the service is asked to start.</summary>
    public sealed record StartRequested(string Name);

    /// <summary>Reported to the probe when the service is asked to stop.</summary>
    public sealed record StopRequested(string Name);

    /// <summary>Answer the start or stop that waits (manual mode).</summary>
    public sealed record Answer
    {
        public static readonly Answer Instance = new();
        private Answer() { }
    }

    /// <summary>Throw, as a service whose socket broke would.</summary>
    public sealed record Crash
    {
        public static readonly Crash Instance = new();
        private Crash() { }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartService:
                _probe.Tell(new StartRequested(Name), Self);
                _starts++;
                Reply(Sender, _mode == FakeMode.FailingStart || (_mode == FakeMode.FailingFirstStart && _starts == 1)
                    ? new ServiceStartFailed("", FailureReason)
                    : new ServiceStarted(Name));
                break;
            case StopService:
                _probe.Tell(new StopRequested(Name), Self);
                Reply(Sender, new ServiceStopped(Name));
                break;
            case Answer when _pendingAnswer is { } answer:
                _pendingAnswer = null;
                Send(_pending, answer);
                break;
            case GetStatus:
                Sender.Tell(new CurrentStatus(Name, _running));
                break;
            case Crash:
                throw new InvalidOperationException($"the fake service {Name} crashed on purpose");
            default:
                Unhandled(message);
                break;
        }
    }

    private void Reply(IActorRef to, object answer)
    {
        if (_mode == FakeMode.Manual)
        {
            _pending = to;
            _pendingAnswer = answer;
            return;
        }
        Send(to, answer);
    }

    private void Send(IActorRef to, object answer)
    {
        _running = answer switch
        {
            ServiceStarted => true,
            ServiceStopped => false,
            _ => _running,
        };
        to.Tell(answer);
    }
}
