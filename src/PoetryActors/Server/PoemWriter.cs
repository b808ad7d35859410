using System.Globalization;
using System.Net.Sockets;
using PoetryActors.Listening;

namespace PoetryActors.Server;

/// <summary>
/// Writes a whole buffer to a socket: first without blocking (the usual case completes at once),
/// then asynchronously for what the send buffer did not take, a little at a time, so that a
/// client that reads slowly but steadily is never taken for one that stopped reading. Shared by
/// every server that ends a connection with a block of bytes. A send that makes no progress for
/// the stall timeout fails with a <see cref="TimeoutException"/> saying how much was sent; the
/// listener then resets the connection (<see cref="Abort"/>), so the client never sees a clean
/// close after part of the bytes.
/// </summary>
internal static class PoemWriter
{
    // What one await waits to send: small, so that it completes as soon as the client reads.
    private const int WaitSlice = 4 * 1024;

    private static readonly Lazy<TimeSpan> DefaultStall = new(() => ListenerSettings.Create("", 0).StallTimeout);

    /// <summary>The stall timeout of reference.conf (<c>poetry.listener.stall-timeout</c>).</summary>
    public static TimeSpan DefaultStallTimeout => DefaultStall.Value;

    /// <summary>Sends all of <paramref name="bytes"/> with reference.conf's stall timeout; completes synchronously when the kernel took it all.</summary>
    public static ValueTask WriteAsync(Socket connection, ReadOnlyMemory<byte> bytes, CancellationToken cancel) =>
        WriteAsync(connection, bytes, DefaultStallTimeout, cancel);

    /// <summary>
    /// Sends all of <paramref name="bytes"/>; completes synchronously when the kernel took it all.
    /// Fails when the client takes no byte for <paramref name="stallTimeout"/>.
    /// </summary>
    public static ValueTask WriteAsync(Socket connection, ReadOnlyMemory<byte> bytes, TimeSpan stallTimeout, CancellationToken cancel)
    {
        connection.Blocking = false;
        var sent = connection.Send(bytes.Span, SocketFlags.None, out var error);
        if (error is SocketError.Success && sent == bytes.Length)
        {
            return ValueTask.CompletedTask;
        }

        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            return ValueTask.FromException(new SocketException((int)error));
        }

        return SendRestAsync(connection, bytes, Math.Max(sent, 0), stallTimeout, cancel);
    }

    private static async ValueTask SendRestAsync(Socket connection, ReadOnlyMemory<byte> all, int offset, TimeSpan stallTimeout, CancellationToken cancel)
    {
        // Only the rare send that did not fit in the kernel's buffer gets here, so a timer each is cheap.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        while (true)
        {
            // Wait for room for a small slice only: the await ends as soon as the client has taken
            // some bytes, and the stall timer restarts from there, not from the start of the poem.
            // (One SendAsync of the whole rest would complete only once all of it was queued.)
            stall.CancelAfter(stallTimeout);
            int sent;
            try
            {
                sent = await connection.SendAsync(all.Slice(offset, Math.Min(WaitSlice, all.Length - offset)), SocketFlags.None, stall.Token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                throw new TimeoutException(string.Format(CultureInfo.InvariantCulture,
                    "the client took no bytes for {0:0.##} s (stall-timeout) after {1:N0} of {2:N0} bytes",
                    stallTimeout.TotalSeconds, offset, all.Length));
            }
            offset += sent;
            if (offset == all.Length)
            {
                return;
            }

            // Then fill the buffer without blocking with as much as it takes.
            var more = connection.Send(all.Span[offset..], SocketFlags.None, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock))
            {
                throw new SocketException((int)error);
            }

            offset += Math.Max(more, 0);
            if (offset == all.Length)
            {
                return;
            }
        }
    }
}
