using System.Net.Sockets;

namespace PoetryActors.Server;

/// <summary>
/// Writes a whole buffer to a socket: first without blocking (the usual case completes at once),
/// then asynchronously for what the send buffer did not take. Shared by every server that ends a
/// connection with a block of bytes.
/// </summary>
public static class PoemWriter
{
    /// <summary>Sends all of <paramref name="bytes"/>; completes synchronously when the kernel took it all.</summary>
    public static ValueTask WriteAsync(Socket connection, ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        connection.Blocking = false;
        var sent = connection.Send(bytes.Span, SocketFlags.None, out var error);
        if (error is SocketError.Success && sent == bytes.Length) return ValueTask.CompletedTask;
        if (error is not (SocketError.Success or SocketError.WouldBlock))
            return ValueTask.FromException(new SocketException((int)error));
        return SendRestAsync(connection, bytes[Math.Max(sent, 0)..], cancel);
    }

    private static async ValueTask SendRestAsync(Socket connection, ReadOnlyMemory<byte> rest, CancellationToken cancel)
    {
        while (!rest.IsEmpty)
        {
            var sent = await connection.SendAsync(rest, SocketFlags.None, cancel).ConfigureAwait(false);
            rest = rest[sent..];
        }
    }
}
