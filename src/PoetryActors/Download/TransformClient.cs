using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using PoetryActors.Kinds;
using PoetryActors.Wire;

namespace PoetryActors.Download;

/// <summary>
/// Sends one poem through a transform server, as the tutorial's <c>TransformClientProtocol</c>
/// did: connect, send one netstring <c>&lt;name&gt;.&lt;poem&gt;</c>, take the first netstring
/// received as the transformed poem. Better than the original, every step is bounded (the connect
/// and idle timeouts and the deadline of <see cref="FetchLimits"/>), and a server that closes
/// with zero bytes, the way ours and the original refuse a request, is a failure saying so rather
/// than an empty poem. Plain async code with no actor; expected failures are
/// <see cref="TransformResult.Failed"/> values and only the caller's own cancellation throws.
/// </summary>
internal static class TransformClient
{
    /// <summary>
    /// Asks the transform server at <paramref name="server"/> to apply <paramref name="transformName"/>
    /// to <paramref name="poem"/>, within <paramref name="limits"/>; <paramref name="timeLeft"/>, when
    /// given, replaces the deadline (what remains of a download's deadline).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public static async Task<TransformResult> TransformAsync(
        NetAddress server,
        string transformName,
        ReadOnlyMemory<byte> poem,
        FetchLimits limits,
        TimeSpan? timeLeft = null,
        CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var allowed = timeLeft ?? limits.Deadline;
        if (allowed <= TimeSpan.Zero)
        {
            return Fail(server, "connecting to", $"the deadline of {FetchLimits.Seconds(limits.Deadline)} passed before the transform", clock);
        }

        using var timeouts = new StepTimeouts(allowed, limits.ConnectTimeout, cancel);
        var (socket, failure) = await PoemFetcher.ConnectAsync(server, limits, timeouts, cancel).ConfigureAwait(false);
        if (socket is null)
        {
            return Fail(server, failure!.Step == DownloadStep.Resolve ? "resolving" : "connecting to", failure.Detail, clock);
        }

        using (socket)
        {
            var request = NetstringEncoder.Encode(Request(transformName, poem.Span));
            var sent = await SendAsync(socket, server, request, limits, timeouts, cancel, clock).ConfigureAwait(false);
            return sent ?? await ReceiveReplyAsync(socket, server, limits, timeouts, cancel, clock).ConfigureAwait(false);
        }
    }

    private static byte[] Request(string transformName, ReadOnlySpan<byte> poem)
    {
        var name = Encoding.UTF8.GetBytes(transformName);
        var request = new byte[name.Length + 1 + poem.Length];
        name.CopyTo(request, 0);
        request[name.Length] = (byte)'.';
        poem.CopyTo(request.AsSpan(name.Length + 1));
        return request;
    }

    private static async Task<TransformResult?> SendAsync(
        Socket socket, NetAddress server, ReadOnlyMemory<byte> request, FetchLimits limits,
        StepTimeouts timeouts, CancellationToken cancel, Stopwatch clock)
    {
        // A server that stops reading holds a send as long as a silent one holds a read.
        timeouts.StartStep(limits.IdleTimeout);
        try
        {
            while (!request.IsEmpty)
            {
                request = request[await socket.SendAsync(request, SocketFlags.None, timeouts.Token).ConfigureAwait(false)..];
                timeouts.Progress();
            }

            return null;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Fail(server, "sending to", timeouts.DeadlinePassed
                ? $"the deadline of {FetchLimits.Seconds(limits.Deadline)} passed"
                : $"timed out: the server took nothing for {FetchLimits.Seconds(limits.IdleTimeout)}", clock);
        }
        catch (SocketException e)
        {
            // Ours and the original close at once on a request they refuse, perhaps mid-send.
            return Fail(server, "sending to", e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                ? "the server closed the connection before taking the whole request (it refused it)"
                : e.Message, clock);
        }
    }

    private static async Task<TransformResult> ReceiveReplyAsync(
        Socket socket, NetAddress server, FetchLimits limits, StepTimeouts timeouts, CancellationToken cancel, Stopwatch clock)
    {
        var decoder = new NetstringDecoder(Math.Min(limits.MaxPoemBytes, Array.MaxLength));
        var received = 0;
        timeouts.StartStep(limits.IdleTimeout);
        try
        {
            while (true)
            {
                // Wait without a buffer, then read what arrived through a pooled one.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeouts.Token).ConfigureAwait(false);
                var buffer = ArrayPool<byte>.Shared.Rent(FetchLimits.ReadSize);
                try
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(0, FetchLimits.ReadSize), SocketFlags.None, timeouts.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return Fail(server, "reading from", received == 0
                            ? "the server closed the connection without a reply (it refused the request: an unknown transform, or a poem it cannot take)"
                            : $"the server closed the connection in the middle of the reply, after {received} bytes", clock);
                    }

                    received += read;
                    timeouts.Progress();
                    switch (decoder.Decode(buffer.AsSpan(0, read), out _, out var frame))
                    {
                        case NetstringDecodeStatus.FrameDecoded:
                            return new TransformResult.Transformed(frame!, clock.Elapsed);
                        case NetstringDecodeStatus.Failed:
                            return Fail(server, "reading from", $"the reply is not a netstring poem: {decoder.Error}", clock);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Fail(server, "reading from", timeouts.DeadlinePassed
                ? $"the deadline of {FetchLimits.Seconds(limits.Deadline)} passed after {received} bytes of the reply"
                : $"timed out: no data for {FetchLimits.Seconds(limits.IdleTimeout)} after {received} bytes of the reply", clock);
        }
        catch (SocketException e)
        {
            return Fail(server, "reading from", e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
                ? $"connection reset after {received} bytes of the reply"
                : e.Message, clock);
        }
    }

    private static TransformResult.Failed Fail(NetAddress server, string step, string detail, Stopwatch clock) =>
        new($"{step} the transform server {server} failed: {detail}", clock.Elapsed);
}

/// <summary>
/// What a transform server made of a poem: <see cref="Transformed"/> with the first netstring it
/// answered, or <see cref="Failed"/> with a one-line reason naming the server, the step and what
/// happened.
/// </summary>
internal abstract record TransformResult
{
    // The two cases below are the only results.
    private protected TransformResult()
    {
    }

    /// <summary>The server that answered, when the request was routed rather than sent to one given server (a cluster's transform provider).</summary>
    public NetAddress? Server { get; init; }

    /// <summary>The server answered with <paramref name="Poem"/> after <paramref name="Elapsed"/>.</summary>
    public sealed record Transformed(byte[] Poem, TimeSpan Elapsed) : TransformResult;

    /// <summary>The transform failed because of <paramref name="Reason"/>, after <paramref name="Elapsed"/>.</summary>
    public sealed record Failed(string Reason, TimeSpan Elapsed) : TransformResult
    {
        /// <inheritdoc />
        public override string ToString() => Reason;
    }
}
