using System.Net;
using System.Net.Sockets;
using System.Text;
using PoetryActors.Wire;
using Xunit;

namespace PoetryActors.Tests.Support;

/// <summary>
/// A transform protocol client for tests: sends request bytes (whole, or in tiny writes), then
/// reads everything up to the server's close or reset, so that a test sees exactly what went
/// over the wire. Every step has a deadline.
/// </summary>
internal static class NetstringExchange
{
    /// <summary>What the server sent before it ended the connection, and whether it ended with a reset.</summary>
    public sealed record Outcome(byte[] Received, bool Reset)
    {
        /// <summary>Whether the server ended the connection without sending a byte (a close or a reset).</summary>
        public bool ClosedWithNothing => Received.Length == 0;
    }

    /// <summary>The request netstring <c>&lt;transform&gt;.&lt;poem&gt;</c>, framed with <see cref="NetstringEncoder"/>.</summary>
    public static byte[] Request(string transform, byte[] poem) =>
        NetstringEncoder.Encode([.. Encoding.UTF8.GetBytes(transform + "."), .. poem]);

    /// <summary>The request netstring of a text poem.</summary>
    public static byte[] Request(string transform, string poem) => Request(transform, Encoding.UTF8.GetBytes(poem));

    /// <summary>Connects (the test may read the socket's local address, the server's peer, before sending).</summary>
    public static Task<Socket> ConnectAsync(IPEndPoint server, CancellationToken cancel = default) =>
        PoemClient.ConnectAsync(server, cancel);

    /// <summary>Connects, sends <paramref name="request"/>, and reads to the server's close or reset.</summary>
    public static async Task<Outcome> ExchangeAsync(IPEndPoint server, ReadOnlyMemory<byte> request, TimeSpan deadline)
    {
        using var socket = await ConnectAsync(server);
        return await ExchangeAsync(socket, request, deadline);
    }

    /// <summary>
    /// Sends <paramref name="request"/> on a connected socket, in writes of at most
    /// <paramref name="writeSize"/> bytes (all at once by default), then reads to the server's close
    /// or reset. A server that gives up while the request is still going out ends the sending;
    /// what it sent, if anything, is still read.
    /// </summary>
    public static async Task<Outcome> ExchangeAsync(Socket socket, ReadOnlyMemory<byte> request, TimeSpan deadline, int? writeSize = null)
    {
        using var timeout = new CancellationTokenSource(deadline);
        socket.NoDelay = true;
        try
        {
            var size = writeSize ?? Math.Max(request.Length, 1);
            for (var offset = 0; offset < request.Length;)
            {
                var piece = request.Slice(offset, Math.Min(size, request.Length - offset));
                offset += await socket.SendAsync(piece, SocketFlags.None, timeout.Token);
                // Pacing, not waiting: each tiny write leaves as a segment of its own instead of
                // being coalesced with the next, so the server really sees the request in pieces.
                if (writeSize is not null)
                {
                    await Task.Delay(1, timeout.Token);
                }
            }
        }
        catch (SocketException)
        {
            // The server closed on us mid-request (a refused request): see what it sent.
        }

        return await ReadToEndAsync(socket, timeout.Token);
    }

    /// <summary>Reads until the server closes (or resets) the connection.</summary>
    public static async Task<Outcome> ReadToEndAsync(Socket socket, CancellationToken cancel)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
                if (count == 0)
                {
                    return new Outcome(received.ToArray(), Reset: false);
                }

                received.Write(buffer, 0, count);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return new Outcome(received.ToArray(), Reset: true);
        }
    }

    /// <summary>
    /// Asks for <paramref name="transform"/> of <paramref name="poem"/> and returns the reply's
    /// payload, decoded with <see cref="NetstringDecoder"/>; fails unless exactly one netstring came
    /// back before a clean close.
    /// </summary>
    public static async Task<byte[]> TransformAsync(IPEndPoint server, string transform, byte[] poem, TimeSpan deadline)
    {
        var outcome = await ExchangeAsync(server, Request(transform, poem), deadline);
        return SingleNetstring(outcome);
    }

    /// <summary>The payload of the one netstring <paramref name="outcome"/> holds, closed cleanly after it.</summary>
    public static byte[] SingleNetstring(Outcome outcome)
    {
        Assert.False(outcome.Reset, $"the server reset the connection after {outcome.Received.Length} bytes");
        Assert.False(outcome.ClosedWithNothing, "the server closed without a reply");
        var decoder = new NetstringDecoder(int.MaxValue / 2);
        var status = decoder.Decode(outcome.Received, out var consumed, out var payload);
        Assert.True(status == NetstringDecodeStatus.FrameDecoded, $"the reply is not one netstring ({status}: {decoder.Error})");
        Assert.Equal(outcome.Received.Length, consumed);
        return payload!;
    }
}
