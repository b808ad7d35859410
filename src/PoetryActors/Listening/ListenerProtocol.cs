using System.Net;

namespace PoetryActors.Listening;

/// <summary>The queries a listener service answers beside the service protocol.</summary>
public static class ListenerProtocol
{
    /// <summary>Which address is the listener bound to? Answered by <see cref="BoundTo"/> or <see cref="NotBound"/>.</summary>
    public sealed record GetBoundAddress
    {
        public static readonly GetBoundAddress Instance = new();
        private GetBoundAddress() { }
    }

    /// <summary>The address actually bound (with the real port when port 0 was asked for).</summary>
    public sealed record BoundTo(IPEndPoint Address);

    /// <summary>The listener is not running.</summary>
    public sealed record NotBound
    {
        public static readonly NotBound Instance = new();
        private NotBound() { }
    }
}
