using System.Globalization;
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
/// share; while it waits for bytes it holds no receive buffer, only what the decoder has kept.
/// What the requests still arriving keep, across the listener's connections, is bounded by a
/// memory budget (<c>poetry.transform.memory-budget</c>): a request that would need more is reset
/// at once and logged (floods summarised), so a flood of half-sent requests cannot grow the node,
/// while whole requests that arrive at once are still answered. A reply the client does not read
/// counts against the budget too, and one that stalls for the stall timeout is reset.
/// </remarks>
internal sealed class TransformConnectionHandler : IInstrumentedHandler
{
    private const int ReceiveChunk = 16 * 1024;

    // The read buffer of this thread: every read is decoded (copied into its decoder) before the
    // reader awaits again, so one per thread serves every connection.
    [ThreadStatic] private static byte[]? _firstRead;

    private readonly TransformRequestProcessor _processor;
    private readonly int _maxLength;
    private readonly TimeSpan _idleTimeout;
    private readonly ILoggingAdapter _log;
    private readonly RepeatedWarnings _warnings;
    private readonly SharedDeadlines _deadlines;
    private readonly BufferBudget _budget;
    private readonly TimeSpan _stallTimeout;
    private ServiceInstruments _instruments = ServiceInstruments.Unassigned;

    /// <summary>
    /// A handler answering with <paramref name="processor"/>; <paramref name="stallTimeout"/> and
    /// <paramref name="memoryBudget"/> (bytes) default to reference.conf's
    /// (<c>poetry.listener.stall-timeout</c>, <c>poetry.transform.memory-budget</c>).
    /// </summary>
    public TransformConnectionHandler(TransformRequestProcessor processor, int maxLength, TimeSpan idleTimeout, ILoggingAdapter log,
        TimeSpan? stallTimeout = null, long? memoryBudget = null)
    {
        _processor = processor;
        _maxLength = maxLength;
        _idleTimeout = idleTimeout;
        _log = log;
        _warnings = new RepeatedWarnings(log);
        _deadlines = new SharedDeadlines(idleTimeout);
        _stallTimeout = stallTimeout ?? PoemWriter.DefaultStallTimeout;
        _budget = new BufferBudget(memoryBudget ?? TransformServerSettings.Default.MemoryBudget);
    }

    /// <summary>The bytes the requests still arriving and the replies still being sent hold now.</summary>
    internal long BufferedBytes => _budget.InUse;

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
        {
            return ReadRestAsync(connection, decoder, cancel);
        }

        if (error != SocketError.Success)
        {
            return ValueTask.FromException(new SocketException((int)error));
        }

        if (received == 0)
        {
            Refuse(connection, "closed without sending a request");
            return ValueTask.CompletedTask;
        }

        // Under a flood, a request that is not all here and cannot be held is dropped before its
        // decoder allocates a byte for it.
        if (MustWaitFor(buffer.AsSpan(0, received)) is > 0 and var needed && !_budget.HasRoomFor(needed))
        {
            return ValueTask.FromException(BudgetSpent());
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
        long reserved = 0;
        byte[]? request = null;
        try
        {
            Reserve(decoder, ref reserved);
            while (request is null)
            {
                try
                {
                    // Wait until the client's next bytes are there without holding a buffer (a
                    // zero-byte receive): a connection waiting for its request holds only what its
                    // decoder kept. They are then read into this thread's buffer and decoded
                    // before the next await.
                    await connection.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    Refuse(connection, decoder.IsAtFrameBoundary
                        ? $"sent no request within {_idleTimeout.TotalSeconds:0.##} s"
                        : $"sent only part of a request within {_idleTimeout.TotalSeconds:0.##} s", Timeout);
                    return;
                }

                var buffer = _firstRead ??= new byte[ReceiveChunk];
                var received = connection.Receive(buffer, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    continue;
                }

                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
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
                if (request is null)
                {
                    Reserve(decoder, ref reserved);
                }
            }
        }
        finally
        {
            _budget.Release(reserved);
            if (_budget.InUse == 0 && _budget.TakeRefused())
            {
                GiveBackFloodMemory();
            }
        }

        await Answer(connection, request, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings this connection's share of the budget up to what its decoder holds, or sheds the
    /// connection (a reset, logged by the listener) when the budget has no room for it.
    /// </summary>
    private void Reserve(NetstringDecoder decoder, ref long reserved)
    {
        var more = decoder.BufferedBytes - reserved;
        if (more <= 0)
        {
            return;
        }

        if (!_budget.TryReserve(more))
        {
            throw BudgetSpent();
        }

        reserved += more;
    }

    private ConnectionShedException BudgetSpent() => new(string.Format(CultureInfo.InvariantCulture,
        "transform request dropped: the memory budget of {0:N0} bytes (poetry.transform.memory-budget) is held by requests in flight",
        _budget.Limit));

    /// <summary>
    /// How many bytes of the request starting in <paramref name="first"/> are still to come, at
    /// least (0 when it is all here, or when its length is not well formed: the decoder then says
    /// why). Reads only the length; allocates nothing.
    /// </summary>
    private static long MustWaitFor(ReadOnlySpan<byte> first)
    {
        long length = 0;
        var digits = 0;
        while (digits < first.Length && digits <= 10 && first[digits] is >= (byte)'0' and <= (byte)'9')
        {
            length = (length * 10) + (first[digits++] - '0');
        }

        if (digits == 0 || digits >= first.Length || first[digits] != (byte)':')
        {
            return 0;
        }

        var whole = digits + 1 + length + 1;
        return Math.Max(0, Math.Min(length, whole - first.Length));
    }

    /// <summary>
    /// Once a flood that the budget turned away has drained, its garbage (request buffers on the
    /// large-object heap, sockets) would stay committed until some later collection, with nothing
    /// left to allocate and set one off: the node would keep the flood's memory for good. One
    /// compacting collection that decommits what it frees gives it back to the system now. It runs
    /// at most once per flood (only after the budget refused something, and only once it is empty).
    /// </summary>
    private void GiveBackFloodMemory()
    {
        _log.Info("the requests that the transform memory budget turned away have drained; returning their memory to the system");
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }, null);
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
        {
            _log.Debug("sending a transformed poem of {0} bytes to {1}", reply.Length, AcceptLoop.SafePeer(connection));
        }

        var written = PoemWriter.WriteAsync(connection, reply, _stallTimeout, cancel);
        return written.IsCompleted ? written : HoldWhileSendingAsync(written, reply.Length);
    }

    /// <summary>A reply the client has not taken yet stays in memory: it counts against the budget until it is sent.</summary>
    private async ValueTask HoldWhileSendingAsync(ValueTask written, int bytes)
    {
        _budget.Reserve(bytes);
        try
        {
            await written.ConfigureAwait(false);
        }
        finally
        {
            _budget.Release(bytes);
        }
    }

    // Outcomes beside the processor's: a request that never arrived whole.
    private const string Timeout = "timeout";

    private void Refuse(Socket connection, string reason, string outcome = TransformRequestProcessor.Invalid,
        string transform = TransformRequestProcessor.NoTransform)
    {
        _instruments.TransformAnswered(transform, outcome);
        _warnings.Warn("transform requests refused", $"transform request from {AcceptLoop.SafePeer(connection)} refused: {reason}");
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
            {
                return slot.Deadline.Token;
            }

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
