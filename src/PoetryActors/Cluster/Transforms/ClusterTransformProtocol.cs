using Akka.Actor;
using PoetryActors.Download;
using PoetryActors.Kinds;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// The messages of the cluster's transforms. Between members (and from a client outside the
/// cluster) a poem travels in <see cref="TransformPart"/>s of at most
/// <see cref="ClusterTransformSettings.PartBytes"/> bytes each, so no message ever outgrows the
/// remote frame size however large the poem; the provider (a transform service) answers with
/// <see cref="TransformedPart"/>s, or one <see cref="TransformRefused"/> saying why. These carry
/// plain values only and implement <see cref="IClusterTransformMessage"/>. Inside one process a
/// requester asks the node's <see cref="TransformRouterActor"/> with <see cref="RouteTransform"/>
/// and is answered with a <see cref="TransformResult"/> whose <c>Server</c> is the provider's
/// TCP endpoint.
/// </summary>
internal static class ClusterTransformProtocol
{
    /// <summary>
    /// Part <paramref name="Part"/> (from 0) of <paramref name="Parts"/> of the poem of request
    /// <paramref name="RequestId"/> (unique per requester), to go through the transform
    /// <paramref name="Transform"/>.
    /// </summary>
    public sealed record TransformPart(long RequestId, string Transform, int Part, int Parts, byte[] Bytes) : IClusterTransformMessage;

    /// <summary>Part <paramref name="Part"/> of <paramref name="Parts"/> of the transformed poem of request <paramref name="RequestId"/>.</summary>
    public sealed record TransformedPart(long RequestId, int Part, int Parts, byte[] Bytes) : IClusterTransformMessage;

    /// <summary>The provider refused request <paramref name="RequestId"/> because of <paramref name="Reason"/> (unknown transform, invalid UTF-8, too large...).</summary>
    public sealed record TransformRefused(long RequestId, string Reason) : IClusterTransformMessage;

    /// <summary>
    /// Several <see cref="TransformPart"/>s to one provider in one message: the parts of the
    /// requests that were ready at once, in order, together no more than
    /// <see cref="ClusterTransformSettings.PartBytes"/> (see <see cref="TransformBatches"/>). A
    /// remote message costs far more than its bytes, so a burst of small poems travels as a few
    /// messages instead of one each. Answered as its parts are.
    /// </summary>
    internal sealed record TransformParts(IReadOnlyList<TransformPart> Parts) : IClusterTransformMessage;

    /// <summary>Several <see cref="TransformedPart"/>s to one requester in one message, as <see cref="TransformParts"/> brought them.</summary>
    internal sealed record TransformedParts(IReadOnlyList<TransformedPart> Parts) : IClusterTransformMessage;

    /// <summary>
    /// Ask the router to send <paramref name="Poem"/> through <paramref name="Transform"/> on one of
    /// the cluster's providers, within <paramref name="Limits"/> (the idle timeout between two
    /// answers) and <paramref name="TimeLeft"/> (what remains of the download's deadline).
    /// Answered with a <see cref="TransformResult"/>. Local to one process.
    /// </summary>
    public sealed record RouteTransform(string Transform, byte[] Poem, FetchLimits Limits, TimeSpan TimeLeft) : INoSerializationVerificationNeeded;

    /// <summary>Ask the router which providers it knows; answered with <see cref="CurrentProviders"/>.</summary>
    public sealed record GetProviders : INoSerializationVerificationNeeded
    {
        public static readonly GetProviders Instance = new();
        private GetProviders() { }
    }

    /// <summary>The providers the router may choose now (<paramref name="Live"/>) and those it saw go (<paramref name="Gone"/>).</summary>
    public sealed record CurrentProviders(IReadOnlyList<TransformProvider> Live, IReadOnlyList<TransformProvider> Gone) : INoSerializationVerificationNeeded;

    /// <summary>Replace the router's providers with <paramref name="Providers"/> (what the catalog says now).</summary>
    public sealed record ProvidersChanged(IReadOnlyList<TransformProvider> Providers) : INoSerializationVerificationNeeded;
}

/// <summary>
/// One transform service of the cluster as a provider: the <paramref name="Node"/> (member
/// address) that runs it, the path of its actor there, the TCP <paramref name="Endpoint"/> of the
/// same service (what reports name), and whether its member has the <c>transform</c> role.
/// </summary>
internal sealed record TransformProvider(string Node, string ActorPath, NetAddress Endpoint, bool HasTransformRole)
{
    /// <inheritdoc />
    public override string ToString() => $"{Endpoint} ({Node})";
}
