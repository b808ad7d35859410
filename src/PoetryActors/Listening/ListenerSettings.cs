using Akka.Configuration;
using PoetryActors.Configuration;

namespace PoetryActors.Listening;

/// <summary>
/// Where a listener binds (interface and port, 0 meaning any free port), how it drains on stop,
/// and what one listener may hold under hostile clients (connections, send buffers, stalled
/// sends). Defaults come from <c>poetry.listener</c> in reference.conf; validated at creation.
/// </summary>
internal sealed record ListenerSettings
{
    /// <summary>Settings with every value given; <see cref="Create"/> reads them from <c>poetry.listener</c>.</summary>
    public ListenerSettings(string iface, int port, int backlog, TimeSpan drainTimeout, TimeSpan closeTimeout)
    {
        if (closeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(closeTimeout), closeTimeout, "the close timeout must be positive");
        }

        CloseTimeout = closeTimeout;
        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "a port is 0 to 65535");
        }

        if (backlog < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(backlog), backlog, "the backlog must be positive");
        }

        if (drainTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(drainTimeout), drainTimeout, "the drain timeout cannot be negative");
        }

        Iface = iface;
        Port = port;
        Backlog = backlog;
        DrainTimeout = drainTimeout;
    }

    /// <summary>Host name or address to bind; empty, <c>*</c> or <c>0.0.0.0</c> mean every interface.</summary>
    public string Iface { get; }

    /// <summary>The port to bind; 0 lets the kernel pick a free one.</summary>
    public int Port { get; }

    /// <summary>The kernel's queue length for connections not yet accepted.</summary>
    public int Backlog { get; }

    /// <summary>How long a stop lets connections in flight finish before it cuts them.</summary>
    public TimeSpan DrainTimeout { get; }

    /// <summary>How long a served connection waits for its client to close before it is closed anyway.</summary>
    public TimeSpan CloseTimeout { get; }

    /// <summary>
    /// The most connections served at once (those waiting for their client's close included);
    /// at the limit the listener stops accepting and the kernel's queue holds the rest.
    /// </summary>
    public int MaxConnections
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxConnections), value, "max-connections must be at least 1");
    } = 10_000;

    /// <summary>
    /// The kernel send buffer of each connection, in bytes (<c>SO_SNDBUF</c>; the kernel doubles
    /// it for its own book-keeping), or 0 for the kernel's default, which grows with the peer.
    /// </summary>
    public int SendBuffer
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(SendBuffer), value, "send-buffer cannot be negative");
    }

    /// <summary>How long a send may make no progress (the client took no byte) before the connection is reset.</summary>
    public TimeSpan StallTimeout
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(StallTimeout), value, "stall-timeout must be positive");
    } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For protocols where the client speaks first: the kernel hands a connection over only once
    /// its first bytes have arrived (Linux's <c>TCP_DEFER_ACCEPT</c>; ignored elsewhere), so the
    /// handler usually finds the request there and serves it at once on the accept thread instead
    /// of waiting for it. A client that sends nothing is handed over after about a second all the
    /// same, and its handler's own timeout applies from then. Off by default.
    /// </summary>
    public bool DeferAccept { get; init; }

    /// <summary>Settings for <paramref name="iface"/>:<paramref name="port"/> with the other values from <paramref name="config"/> (or reference.conf).</summary>
    public static ListenerSettings Create(string iface, int port, Config? config = null)
    {
        var reader = new SettingsReader(config, "poetry.listener");
        var backlog = reader.Integer("backlog", 1, int.MaxValue);
        var drain = reader.Duration("drain-timeout", positive: false);
        var close = reader.Duration("close-timeout");
        var maxConnections = reader.Integer("max-connections", 1, int.MaxValue);
        var sendBuffer = reader.Bytes("send-buffer", 0, int.MaxValue);
        var stall = reader.Duration("stall-timeout");
        reader.ThrowIfInvalid();
        return new ListenerSettings(iface, port, (int)backlog, drain, close)
        {
            MaxConnections = (int)maxConnections,
            SendBuffer = (int)sendBuffer,
            StallTimeout = stall,
        };
    }
}
