using System.Buffers;
using System.Net.Sockets;
using Akka.Event;
using PoetryActors.Instruments;
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
/// <remarks>
/// The transform listener defers the accept until the client's first bytes are in
/// (<see cref="ListenerSettings.DeferAccept"/>), so the request is usually there with its
/// connection. Then the whole exchange happens at once on the accept thread: one non-blocking
/// read, the transform, one non-blocking write, with no task, timer or thread-pool hop (measured:
/// about 40% less CPU per request than awaiting every request). Only a request that is not all
/// there yet is awaited, under an idle deadline that connections starting at about the same time
/// share.
/// </remarks>
public sealed class TransformConnectionHandler : IInstrumentedHandler
{
    private const int ReceiveChunk = 16 * 1024;

    // The first read's buffer: ServeAsync runs on the accept thread and is done with it before it returns.
    [ThreadStatic] private static byte[]? _firstRead;

    private readonly TransformRequestProcessor _processor;
    private readonly int _maxLength;
    private readonly TimeSpan _idleTimeout;
    private readonly ILoggingAdapter _log;
    private readonly SharedDeadlines _deadlines;
    private ServiceInstruments _instruments = ServiceInstruments.Unassigned;

    public TransformConnectionHandler(TransformRequestProcessor processor, int maxLength, TimeSpan idleTimeout, ILoggingAdapter log)
    {
        _processor = processor;
        _maxLength = maxLength;
        _idleTimeout = idleTimeout;
        _log = log;
        _deadlines = new SharedDeadlines(idleTimeout);
    }

    /// <inheritdoc />
    public void UseInstruments(ServiceInstruments instruments) => _instruments = instruments.Offering(ServiceRoles.Transforms);

    /// <inheritdoc />
    public ValueTask ServeAsync(Socket connection, CancellationToken cancel)
    {
        var buffer = _firstRead ??= new byte[ReceiveChunk];
        connection.Blocking = false;
        var received = connection.Receive(buffer, SocketFlags.None, out var error);
        var decoder = new NetstringDecoder(_maxLength);
        if (error == SocketError.WouldBlock)
            return ReadRestAsync(connection, decoder, cancel);
        if (error != SocketError.Success)
            return ValueTask.FromException(new SocketException((int)error));

        if (received == 0)
        {
            Refuse(connection, "closed without sending a request");
            return ValueTask.CompletedTask;
        }

        switch (decoder.Decode(buffer.AsSpan(0, received), out _, out var request))
        {
            case NetstringDecodeStatus.FrameDecoded:
                return Answer(connection, request!, cancel);
            case NetstringDecodeStatus.Failed:
                Refuse(connection, decoder.Error!);
                return ValueTask.CompletedTask;
            default:
                return ReadRestAsync(connection, decoder, cancel);
        }
    }

    /// <summary>Reads the rest of a request that was not all there at once, within the idle timeout.</summary>
    private async ValueTask ReadRestAsync(Socket connection, NetstringDecoder decoder, CancellationToken cancel)
    {
        // The whole request must arrive within the timeout: a peer that trickles a byte now and
        // then (slow-loris) is dropped just like one that sends nothing. The listener's own cut
        // disposes the socket, which ends the read just as surely.
        var deadline = _deadlines.Next();
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        byte[]? request = null;
        try
        {
            while (request is null)
            {
                int received;
                try
                {
                    received = await connection.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    Refuse(connection, decoder.IsAtFrameBoundary
                        ? $"sent no request within {_idleTimeout.TotalSeconds:0.##} s"
                        : $"sent only part of a request within {_idleTimeout.TotalSeconds:0.##} s", Timeout);
                    return;
                }

                if (received == 0)
                {
                    Refuse(connection, decoder.IsAtFrameBoundary ? "closed without sending a request" : "closed in the middle of a request");
                    return;
                }

                if (decoder.Decode(buffer.AsSpan(0, received), out _, out request) == NetstringDecodeStatus.Failed)
                {
                    Refuse(connection, decoder.Error!);
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await Answer(connection, request, cancel).ConfigureAwait(false);
    }

    /// <summary>Transforms <paramref name="request"/> and writes the reply; completes at once when the kernel takes it all.</summary>
    private ValueTask Answer(Socket connection, byte[] request, CancellationToken cancel)
    {
        if (!_processor.TryProcessToNetstring(request, out var reply, out var error, out var tally))
        {
            Refuse(connection, error, tally.Outcome, tally.Transform);
            return ValueTask.CompletedTask;
        }

        _instruments.TransformAnswered(tally.Transform, tally.Outcome);

        if (_log.IsDebugEnabled)
            _log.Debug("sending a transformed poem of {0} bytes to {1}", reply.Length, AcceptLoop.SafePeer(connection));
        return PoemWriter.WriteAsync(connection, reply, cancel);
    }

    // Outcomes beside the processor's: a request that never arrived whole.
    private const string Timeout = "timeout";

    private void Refuse(Socket connection, string reason, string outcome = TransformRequestProcessor.Invalid,
        string transform = TransformRequestProcessor.NoTransform)
    {
        _instruments.TransformAnswered(transform, outcome);
        _log.Warning("transform request from {0} refused: {1}", AcceptLoop.SafePeer(connection), reason);
    }

    /// <summary>
    /// Idle deadlines for the connections that must wait for their request: those that start
    /// within the same short slot share one <see cref="CancellationTokenSource"/> (and its one
    /// timer) instead of each making its own. A token handed out fires between the timeout and the
    /// timeout plus one slot (a sixteenth of it, at most 250 ms) later.
    /// </summary>
    private sealed class SharedDeadlines(TimeSpan timeout)
    {
        private readonly long _slotMs = Math.Clamp((long)(timeout.TotalMilliseconds / 16), 1, 250);
        private readonly Lock _gate = new();
        private Slot? _current;

        public CancellationToken Next()
        {
            var now = Environment.TickCount64;
            if (Volatile.Read(ref _current) is { } slot && now < slot.OpenUntil)
                return slot.Deadline.Token;

            lock (_gate)
            {
                if (_current is not { } open || now >= open.OpenUntil)
                {
                    // Never disposed: once its timer has fired it holds nothing, and the reads
                    // that used its token have unregistered from it when they completed.
                    open = new Slot(new CancellationTokenSource(timeout + TimeSpan.FromMilliseconds(_slotMs)), now + _slotMs);
                    Volatile.Write(ref _current, open);
                }

                return open.Deadline.Token;
            }
        }

        private sealed record Slot(CancellationTokenSource Deadline, long OpenUntil);
    }
}
