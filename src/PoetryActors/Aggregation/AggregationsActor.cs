using Akka.Actor;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Aggregation;

/// <summary>
/// The parent of a node's client-side aggregations (<c>/user/downloads</c>): for each
/// <see cref="Aggregate"/> or <see cref="AggregateKeyed"/> it creates a child
/// <c>aggregator-&lt;n&gt;</c> and forwards the request, so the aggregator answers the original
/// sender. Aggregators stop themselves once they have answered and their work is over, so this
/// actor holds no per-request state. <see cref="Aggregator"/>'s methods accept its ref.
/// </summary>
public sealed class AggregationsActor : UntypedActor
{
    private long _created;

    /// <summary>The parent of aggregations.</summary>
    public static Props Props() => Akka.Actor.Props.Create<AggregationsActor>();

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Aggregate or AggregateKeyed:
                Context.ActorOf(AggregatorActor.Props(), $"aggregator-{++_created}").Forward(message);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <inheritdoc />
    // An aggregator that crashes answers from PostStop; a restart would lose its request.
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;
}
