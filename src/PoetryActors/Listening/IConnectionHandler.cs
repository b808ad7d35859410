using System.Net.Sockets;

namespace PoetryActors.Listening;

/// <summary>
/// Serves one accepted connection with plain code, off any actor's mailbox (the hot path: a poem
/// per connection, a netstring per request). Called on the listener's accept thread, so it must
/// never block: finish at once when the work fits in the socket's buffers (the common case) and
/// return a pending task for anything that has to wait. The listener owns the socket: it closes
/// it when the returned task completes, logs an exception without letting it touch other
/// connections, and cancels <c>cancel</c> when a stop's drain time is over.
/// </summary>
internal interface IConnectionHandler
{
    /// <summary>Serve <paramref name="connection"/> until it can be closed.</summary>
    ValueTask ServeAsync(Socket connection, CancellationToken cancel);
}
