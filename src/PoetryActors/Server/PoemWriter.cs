using System.Net.Sockets;

namespace PoetryActors.Server;

/// <summary>
/// Writes a whole buffer to a socket: first without blocking (the usual case completes at once),
/// then asynchronously for what the send buffer did not take. Shared by every server that ends a
/// connection with a block of bytes.
/// </summary>
public static class PoemWriter
{
    /// <summary>
    /// How long a send may make no progress (a client that stopped reading) before the
    /// connection is given up: nothing waits forever.
    /// </summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(30);

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
        // Only the rare send that did not fit in the kernel's buffer gets here, so a timer each is cheap.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        while (!rest.IsEmpty)
        {
            stall.CancelAfter(StallTimeout);
            int sent;
            try
            {
                sent = await connection.SendAsync(rest, SocketFlags.None, stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"the client read nothing for {StallTimeout.TotalSeconds:0} s; {rest.Length} bytes were left unsent");
            }
            rest = rest[sent..];
        }
    }
}
