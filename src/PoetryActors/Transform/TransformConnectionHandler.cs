using System.Buffers;
using System.Net.Sockets;
using Akka.Event;
using PoetryActors.Listening;
using PoetryActors.Server;
using PoetryActors.Wire;

namespace PoetryActors.Transform;

/// <summary>
/// The transform protocol on one connection: read one netstring request (<c>name.poem</c>),
/// answer one netstring with the transformed poem, close. Any error (bad framing, a length over
/// the maximum, an unknown transform, invalid UTF-8, a transform that throws, a peer that goes
/// quiet or sends half a request for longer than the idle timeout) closes the connection with
/// zero reply bytes, as the original server did, and the reason is logged with the peer's address.
/// </summary>
public sealed class TransformConnectionHandler(TransformRequestProcessor processor, int maxLength, TimeSpan idleTimeout, ILoggingAdapter log)
    : IConnectionHandler
{
    private const int ReceiveChunk = 16 * 1024;

    /// <inheritdoc />
    public ValueTask ServeAsync(Socket connection, CancellationToken cancel) => new(ServeRequestAsync(connection, cancel));

    private async Task ServeRequestAsync(Socket connection, CancellationToken cancel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // The whole request must arrive within the timeout: a peer that trickles a byte now and
        // then (slow-loris) is dropped just like one that sends nothing.
        deadline.CancelAfter(idleTimeout);
        var decoder = new NetstringDecoder(maxLength);
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        try
        {
            byte[]? request = null;
            while (request is null)
            {
                int received;
                try
                {
                    received = await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    Refuse(connection, decoder.IsAtFrameBoundary
                        ? $"sent no request within {idleTimeout.TotalSeconds:0.##} s"
                        : $"sent only part of a request within {idleTimeout.TotalSeconds:0.##} s");
                    return;
                }

                if (received == 0)
                {
                    Refuse(connection, decoder.IsAtFrameBoundary ? "closed without sending a request" : "closed in the middle of a request");
                    return;
                }

                var status = decoder.Decode(buffer.AsSpan(0, received), out _, out request);
                if (status == NetstringDecodeStatus.Failed)
                {
                    Refuse(connection, decoder.Error!);
                    return;
                }
            }

            if (!processor.TryProcessToNetstring(request, out var reply, out var error))
            {
                Refuse(connection, error);
                return;
            }
            if (log.IsDebugEnabled)
                log.Debug("sending a transformed poem of {0} bytes to {1}", reply.Length, AcceptLoop.SafePeer(connection));
            await PoemWriter.WriteAsync(connection, reply, cancel).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Refuse(Socket connection, string reason) =>
        log.Warning("transform request from {0} refused: {1}", AcceptLoop.SafePeer(connection), reason);
}
