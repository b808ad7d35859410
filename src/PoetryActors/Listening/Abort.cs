using System.Net.Sockets;

namespace PoetryActors.Listening;

/// <summary>
/// Ends a connection that is cut before its reply is whole (a stall, a stop's drain, an error)
/// with a reset instead of a FIN. In the poem protocol a clean close means "that was the whole
/// poem", so a FIN after part of one would hand the client a truncated poem that looks complete;
/// a reset (<c>SO_LINGER</c> on, 0 s) makes every client, ours and Twisted's, see a failure.
/// </summary>
internal static class Abort
{
    /// <summary>Resets and releases <paramref name="connection"/>; never throws.</summary>
    public static void Connection(Socket connection)
    {
        try
        {
            connection.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer or already closed: there is nothing left to cut.
        }
        connection.Dispose();
    }
}
