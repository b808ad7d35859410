using Akka.Actor;
using PoetryActors.Aggregation;

namespace PoetryActors.Hosting;

/// <summary>
/// The key under which the node's client-side aggregations (<c>/user/downloads</c>, an
/// <see cref="AggregationsActor"/> creating one <c>aggregator-&lt;n&gt;</c> per request) are
/// registered in Akka.Hosting's actor registry; <see cref="Create"/> makes the same actor in a
/// plain <see cref="ActorSystem"/>, as <c>poetry-node get</c> does.
/// </summary>
public sealed class PoetryDownloads
{
    /// <summary>The actor's name under <c>/user</c>.</summary>
    public const string ActorName = "downloads";

    private PoetryDownloads()
    {
    }

    /// <summary>Creates <c>/user/downloads</c> in <paramref name="system"/>.</summary>
    public static IActorRef Create(ActorSystem system) => system.ActorOf(AggregationsActor.Props(), ActorName);
}
