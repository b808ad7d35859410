using System.Collections.Concurrent;
using System.Net.Sockets;

namespace PoetryActors.Listening;

/// <summary>
/// Ends a served connection without losing what was sent. Closing a socket while bytes from the
/// client sit unread (a telnet user's Enter, a health check's request) makes the kernel answer
/// with a reset, and a reset throws away whatever the client has not read yet: a poem cut short.
/// So the server shuts its sending side (the client sees the end of the poem) and keeps the
/// socket, reading and discarding, until the client has closed its side too, or the close
/// timeout has passed. No task, callback or registration per connection, which matters at tens
/// of thousands of poems a second: waiting connections are checked with non-blocking reads, a few
/// at a time by the accept thread between two accepts (<see cref="ReleaseSome"/>), and by one
/// timer while the accept thread has nothing to accept; the timer sleeps while nothing waits.
/// </summary>
/// <remarks>
/// Why the accept thread takes a share: with the timer alone, each sweep closed every connection
/// of the last 20 ms at once (700 of them at 35,000 poems/s), and on one core the accept thread
/// waited for each burst: pinned, the sweeping pool thread ran for up to 2.3 ms at a stretch (p99
/// 1.1 ms), against 0.3 ms (p99 0.1 ms) with the closes done here
/// (tests/benchmarks/run-one-core-profile.sh and its README). Closed one or two at a time after
/// each accept, the same work makes no client wait. While the accept thread is at it, the
/// timer only looks in every 100 ms, to see whether it still is, instead of sweeping every 20 ms:
/// on one core, each timer wake-up also takes the core from the accept thread.
/// </remarks>
internal sealed class GracefulCloser : IDisposable
{
    private static readonly TimeSpan DefaultSweepPeriod = TimeSpan.FromMilliseconds(20);

    // A client that keeps sending is read this many times per visit at most, then visited again
    // later: no client can hold the accept thread (or the sweeper) in a read loop.
    private const int MaxReadsPerVisit = 8;

    // Whatever the clients send is discarded, one buffer per reader: the sweeper's, and the one of
    // the thread that calls ReleaseSome (a listener's accept thread).
    private readonly byte[] _discard = new byte[4096];
    private readonly byte[] _callerDiscard = new byte[4096];
    private readonly ConcurrentQueue<(Socket Connection, long Deadline)> _waiting = new();
    private readonly long _closeTimeoutMs;
    private readonly Action _released;
    private readonly Timer _sweeper;
    private readonly TimeSpan _sweepPeriod;
    // How often the timer looks in while the accept thread is releasing: five sweep periods.
    private readonly TimeSpan _busyCallerPeriod;
    private int _count;
    // 1 while the sweep timer is set; 0 once a sweep found nothing waiting (the timer sleeps).
    private int _armed;
    // 1 once ReleaseSome has run since the last sweep: the accept thread is releasing connections.
    private int _callerReleasing;
    private volatile bool _disposed;

    /// <summary>
    /// A closer that waits up to <paramref name="closeTimeout"/> and calls <paramref name="released"/>
    /// once per connection it releases; its timer sweeps every <paramref name="sweepPeriod"/> (20 ms).
    /// </summary>
    public GracefulCloser(TimeSpan closeTimeout, Action? released = null, TimeSpan? sweepPeriod = null)
    {
        _closeTimeoutMs = (long)closeTimeout.TotalMilliseconds;
        _sweepPeriod = sweepPeriod ?? DefaultSweepPeriod;
        _busyCallerPeriod = _sweepPeriod * 5;
        _released = released ?? (() => { });
        // Set by the first connection to wait (Close), not now: an idle listener wakes no thread.
        _sweeper = new Timer(_ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Connections waiting for their client to close.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether the sweep timer is set (false while nothing waits: an idle listener wakes no thread).</summary>
    internal bool SweepScheduled => Volatile.Read(ref _armed) == 1;

    /// <summary>Shuts the sending side of <paramref name="connection"/> and releases it once the client has closed.</summary>
    public void Close(Socket connection)
    {
        if (_disposed || !TryShutdownSend(connection))
        {
            connection.Dispose();
            _released();
            return;
        }
        Interlocked.Increment(ref _count);
        _waiting.Enqueue((connection, Environment.TickCount64 + _closeTimeoutMs));
        // The enqueue is a full fence, so a sweep that has just found the queue empty and put the
        // timer to sleep is seen here (or sees this connection itself).
        if (Volatile.Read(ref _armed) == 0)
        {
            Arm();
        }
    }

    /// <summary>
    /// Looks at up to <paramref name="visits"/> of the connections that have waited longest and
    /// releases those whose client has closed (or whose close timeout has passed), on the calling
    /// thread. One thread at a time: a listener's accept thread, after each connection it serves.
    /// </summary>
    public void ReleaseSome(int visits)
    {
        if (Volatile.Read(ref _callerReleasing) == 0)
        {
            Volatile.Write(ref _callerReleasing, 1);
        }

        var now = Environment.TickCount64;
        for (; visits > 0 && _waiting.TryDequeue(out var item); visits--)
        {
            if (ClientHasClosed(item.Connection, _callerDiscard) || item.Deadline <= now)
            {
                Release(item.Connection);
            }
            else
            {
                _waiting.Enqueue(item);
            }
        }
    }

    /// <summary>Closes every connection still waiting (a stop, after its drain time).</summary>
    public void CutAll()
    {
        while (_waiting.TryDequeue(out var item))
        {
            Release(item.Connection);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _sweeper.Dispose();
        CutAll();
    }

    private void Sweep()
    {
        if (Interlocked.Exchange(ref _callerReleasing, 0) == 1)
        {
            // The accept thread visits every waiting connection in turn (its visits put the ones
            // still waiting back at the end of the queue), the expired ones included.
            Arm(_busyCallerPeriod, rearm: true);
            return;
        }

        try
        {
            var now = Environment.TickCount64;
            // Only what is queued now: connections queued during the sweep wait for the next one.
            for (var n = _waiting.Count; n > 0 && _waiting.TryDequeue(out var item); n--)
            {
                if (ClientHasClosed(item.Connection, _discard) || item.Deadline <= now)
                {
                    Release(item.Connection);
                }
                else
                {
                    _waiting.Enqueue(item);
                }
            }
        }
        finally
        {
            // Nothing waits: the timer sleeps until Close arms it again (an idle listener wakes
            // no thread). The exchange is a full fence, so a connection queued meanwhile is seen.
            Interlocked.Exchange(ref _armed, 0);
            if (!_waiting.IsEmpty)
            {
                Arm();
            }
        }
    }

    // Sets the timer unless it is set already (rearm: the sweep that is running sets it again).
    private void Arm(TimeSpan? after = null, bool rearm = false)
    {
        if (_disposed || (Interlocked.Exchange(ref _armed, 1) == 1 && !rearm))
        {
            return;
        }

        try { _sweeper.Change(after ?? _sweepPeriod, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { }
    }

    private static bool ClientHasClosed(Socket connection, byte[] discard)
    {
        try
        {
            for (var reads = 0; reads < MaxReadsPerVisit; reads++)
            {
                var read = connection.Receive(discard, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    return false;
                }

                if (error != SocketError.Success || read == 0)
                {
                    return true;
                }
            }
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static bool TryShutdownSend(Socket connection)
    {
        try
        {
            connection.Shutdown(SocketShutdown.Send);
            connection.Blocking = false;
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // already reset or closed: nothing left to protect
        }
    }

    private void Release(Socket connection)
    {
        connection.Dispose();
        Interlocked.Decrement(ref _count);
        _released();
    }
}
