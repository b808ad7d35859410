using Akka.Actor;
using Akka.Event;
using PoetryActors.Cluster.Transforms;
using PoetryActors.Services;
using static PoetryActors.Transform.TransformProtocol;

namespace PoetryActors.Transform;

/// <summary>
/// Holds the transforms a transform server offers (the tutorial's <c>TransformService</c>) and
/// answers <see cref="TransformProtocol.GetProcessor"/> with the request processor that the
/// listener's connections share, so another protocol could offer the same transforms. It is also
/// the cluster's way to these transforms: it answers the
/// <see cref="ClusterTransformProtocol.TransformPart"/>s of a poem sent by another member's router
/// (or a client outside the cluster) with the transformed poem in parts
/// (<see cref="TransformPartsProvider"/>), within <paramref name="cluster"/>'s limits.
/// </summary>
internal sealed class TransformServiceActor(TransformRegistry registry, int maxReplyLength, ClusterTransformSettings? cluster = null, TimeSpan? idleTimeout = null)
    : ServiceActor
{
    private TransformRequestProcessor? _processor;
    private TransformPartsProvider? _provider;

    /// <summary>Props for a service offering <paramref name="registry"/>'s transforms (to the cluster too, within <paramref name="cluster"/>'s limits).</summary>
    public static Props Props(TransformRegistry registry, int maxReplyLength, ClusterTransformSettings? cluster = null, TimeSpan? idleTimeout = null) =>
        ConstructorProps.Of(() => new TransformServiceActor(registry, maxReplyLength, cluster, idleTimeout));

    protected override Task StartServiceAsync()
    {
        _processor = new TransformRequestProcessor(registry, maxReplyLength);
        _provider = new TransformPartsProvider(registry, cluster ?? ClusterTransformSettings.Default, idleTimeout ?? TimeSpan.FromSeconds(10));
        Log.Info("offering transforms: {0}", string.Join(", ", registry.Select(t => t.Name)));
        return Task.CompletedTask;
    }

    protected override Task StopServiceAsync()
    {
        _processor = null;
        _provider = null;
        return Task.CompletedTask;
    }

    protected override void OnServiceMessage(object message)
    {
        switch (message)
        {
            case GetProcessor:
                Sender.Tell(_processor is { } processor
                    ? new CurrentProcessor(processor)
                    : new ProcessorUnavailable($"the transform service '{Name}' is not running"));
                break;
            case ClusterTransformProtocol.TransformPart part when _provider is { } provider:
                provider.Receive(part, Sender, Self, Log);
                break;
            case ClusterTransformProtocol.TransformPart part:
                Sender.Tell(new ClusterTransformProtocol.TransformRefused(part.RequestId, $"the transform service '{Name}' is not running"));
                break;
            case ClusterTransformProtocol.TransformParts batch when _provider is { } provider:
                provider.Receive(batch, Sender, Self, Log);
                break;
            case ClusterTransformProtocol.TransformParts batch:
                foreach (var part in batch.Parts)
                {
                    Sender.Tell(new ClusterTransformProtocol.TransformRefused(part.RequestId, $"the transform service '{Name}' is not running"));
                }

                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
