using Akka.Actor;
using Akka.Event;
using PoetryActors.Services;
using static PoetryActors.Transform.TransformProtocol;

namespace PoetryActors.Transform;

/// <summary>
/// Holds the transforms a transform server offers (the tutorial's <c>TransformService</c>) and
/// answers <see cref="TransformProtocol.GetProcessor"/> with the request processor that the
/// listener's connections share, so another protocol could offer the same transforms.
/// </summary>
internal sealed class TransformServiceActor(TransformRegistry registry, int maxReplyLength) : ServiceActor
{
    private TransformRequestProcessor? _processor;

    /// <summary>Props for a service offering <paramref name="registry"/>'s transforms.</summary>
    public static Props Props(TransformRegistry registry, int maxReplyLength) =>
        Akka.Actor.Props.Create(() => new TransformServiceActor(registry, maxReplyLength));

    protected override Task StartServiceAsync()
    {
        _processor = new TransformRequestProcessor(registry, maxReplyLength);
        Log.Info("offering transforms: {0}", string.Join(", ", registry.Select(t => t.Name)));
        return Task.CompletedTask;
    }

    protected override Task StopServiceAsync()
    {
        _processor = null;
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
            default:
                Unhandled(message);
                break;
        }
    }
}
