using System.Net.Sockets;
using Akka.Event;
using PoetryActors.Instruments;
using PoetryActors.Listening;

namespace PoetryActors.Server;

/// <summary>
/// The fast poem protocol: write the whole poem and close; never read. The send is tried without
/// blocking first, which for a poem that fits in the socket's send buffer (almost all of them)
/// finishes on the accept thread with no task, timer or allocation; the rest is sent
/// asynchronously, and a client that takes no byte for <paramref name="stallTimeout"/> (the
/// listener's <c>stall-timeout</c>, reference.conf's by default) is reset.
/// </summary>
internal sealed class PoemConnectionHandler(byte[] poem, ILoggingAdapter log, TimeSpan? stallTimeout = null) : IInstrumentedHandler
{
    private readonly TimeSpan _stallTimeout = stallTimeout ?? PoemWriter.DefaultStallTimeout;
    private ServiceInstruments _instruments = ServiceInstruments.Unassigned;

    /// <inheritdoc />
    public void UseInstruments(ServiceInstruments instruments) => _instruments = instruments.Offering(ServiceRoles.Poems);

    /// <inheritdoc />
    public ValueTask ServeAsync(Socket connection, CancellationToken cancel)
    {
        if (log.IsInfoEnabled)
        {
            log.Info("sending {0} bytes of poetry to {1}", poem.Length, AcceptLoop.PeerOf(connection));
        }

        return _instruments.CountPoem(PoemWriter.WriteAsync(connection, poem, _stallTimeout, cancel), poem.Length);
    }
}
