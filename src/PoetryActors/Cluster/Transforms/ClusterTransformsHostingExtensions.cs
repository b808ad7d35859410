using Akka.Hosting;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// The Akka.Hosting builder of the cluster's transforms on a member: our serializer for
/// <see cref="IClusterTransformMessage"/> and the member's <see cref="TransformRouterActor"/>
/// (<c>/user/cluster-transforms</c>, registered as <see cref="ClusterTransformRouter"/>), through
/// which code on the member sends poems to the cluster's transform providers. The providers need
/// nothing more: every transform service answers the parts of a poem itself.
/// </summary>
public static class ClusterTransformsHostingExtensions
{
    /// <summary>Adds the cluster's transforms, within <paramref name="settings"/>.</summary>
    public static AkkaConfigurationBuilder WithClusterTransforms(this AkkaConfigurationBuilder builder, ClusterTransformSettings settings)
    {
        builder.WithCustomSerializer(ClusterTransformSerializer.Name, [typeof(IClusterTransformMessage)], system => new ClusterTransformSerializer(system));
        return builder.WithActors((system, registry) =>
            registry.Register<ClusterTransformRouter>(system.ActorOf(TransformRouterActor.ForMember(settings), TransformRouterActor.ActorName)));
    }
}

/// <summary>The key under which a member's <see cref="TransformRouterActor"/> is registered in Akka.Hosting's actor registry.</summary>
internal sealed class ClusterTransformRouter;
