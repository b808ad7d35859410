using Akka.Actor;
using PoetryActors.Aggregation;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Tests.Aggregation;

/// <summary>A worker that announces itself to a probe and then does what the test tells it.</summary>
internal sealed class ManualWorker : UntypedActor
{
    private readonly IActorRef _probe;

    public ManualWorker(IActorRef probe) => _probe = probe;

    public static Props Props(IActorRef probe) => Akka.Actor.Props.Create(() => new ManualWorker(probe));

    protected override void PreStart() => _probe.Tell(new WorkerStarted(Self.Path.Name, Self));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Succeed succeed:
                Context.Parent.Tell(new WorkSucceeded(succeed.Value));
                break;
            case Fail fail:
                Context.Parent.Tell(new WorkFailed(WorkFailure.Error(fail.Reason)));
                break;
            case Crash crash:
                throw new InvalidOperationException(crash.Reason);
            case StopSilently:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    public sealed record WorkerStarted(string Name, IActorRef Worker);

    public sealed record Succeed(object? Value);

    public sealed record Fail(string Reason);

    public sealed record Crash(string Reason);

    public sealed class StopSilently
    {
        public static readonly StopSilently Instance = new();
    }
}

/// <summary>A worker that succeeds with its value as soon as it starts.</summary>
internal sealed class InstantWorker : UntypedActor
{
    private readonly object? _value;

    public InstantWorker(object? value) => _value = value;

    public static Props Props(object? value) => Akka.Actor.Props.Create(() => new InstantWorker(value));

    protected override void PreStart() => Context.Parent.Tell(new WorkSucceeded(_value));

    protected override void OnReceive(object message) => Unhandled(message);
}

/// <summary>A worker whose constructor throws.</summary>
internal sealed class BrokenWorker : UntypedActor
{
    public BrokenWorker() => throw new InvalidOperationException("no socket today");

    public static Props Props() => Akka.Actor.Props.Create(() => new BrokenWorker());

    protected override void OnReceive(object message) => Unhandled(message);
}
