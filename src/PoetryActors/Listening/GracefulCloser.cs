using System.Collections.Concurrent;
using System.Net.Sockets;

namespace PoetryActors.Listening;

/// <summary>
/// Ends a served connection without losing what was sent. Closing a socket while bytes from the
/// client sit unread (a telnet user's Enter, a health check's request) makes the kernel answer
/// with a reset, and a reset throws away whatever the client has not read yet: a poem cut short.
/// So the server shuts its sending side (the client sees the end of the poem) and keeps the
/// socket, reading and discarding, until the client has closed its side too, or the close
/// timeout has passed. Waiting connections are checked in batches by one timer with
/// non-blocking reads: no task, callback or registration per connection, which matters at tens
/// of thousands of poems a second.
/// </summary>
internal sealed class GracefulCloser : IDisposable
{
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(20);

    // Whatever the clients send is discarded: the sweeper is the only reader, so one buffer serves.
    private readonly byte[] _discard = new byte[4096];
    private readonly ConcurrentQueue<(Socket Connection, long Deadline)> _waiting = new();
    private readonly long _closeTimeoutMs;
    private readonly Action _released;
    private readonly Timer _sweeper;
    private int _count;
    private volatile bool _disposed;

    /// <summary>A closer that waits up to <paramref name="closeTimeout"/> and calls <paramref name="released"/> once per connection it releases.</summary>
    public GracefulCloser(TimeSpan closeTimeout, Action? released = null)
    {
        _closeTimeoutMs = (long)closeTimeout.TotalMilliseconds;
        _released = released ?? (() => { });
        _sweeper = new Timer(_ => Sweep(), null, SweepPeriod, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Connections waiting for their client to close.</summary>
    public int Count => Volatile.Read(ref _count);

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
        try
        {
            var now = Environment.TickCount64;
            // Only what is queued now: connections queued during the sweep wait for the next one.
            for (var n = _waiting.Count; n > 0 && _waiting.TryDequeue(out var item); n--)
            {
                if (ClientHasClosed(item.Connection) || item.Deadline <= now)
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
            if (!_disposed)
            {
                try { _sweeper.Change(SweepPeriod, Timeout.InfiniteTimeSpan); }
                catch (ObjectDisposedException) { }
            }
        }
    }

    private bool ClientHasClosed(Socket connection)
    {
        try
        {
            while (true)
            {
                var read = connection.Receive(_discard, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    return false;
                }

                if (error != SocketError.Success || read == 0)
                {
                    return true;
                }
            }
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
