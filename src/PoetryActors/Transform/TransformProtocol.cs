using PoetryActors.Services;

namespace PoetryActors.Transform;

/// <summary>The messages the transforms service answers beside the service protocol.</summary>
internal static class TransformProtocol
{
    /// <summary>Ask for the request processor; answered by <see cref="CurrentProcessor"/> or <see cref="ProcessorUnavailable"/>.</summary>
    public sealed record GetProcessor
    {
        public static readonly GetProcessor Instance = new();
        private GetProcessor() { }
    }

    /// <summary>The processor that answers requests with the service's transforms (thread-safe, shared by all connections).</summary>
    public sealed record CurrentProcessor(TransformRequestProcessor Processor);

    /// <summary>The service is not running.</summary>
    public sealed record ProcessorUnavailable(string Reason) : IServiceUnavailable;
}
