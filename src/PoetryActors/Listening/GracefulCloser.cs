using System.Collections.Concurrent;
using System.Net.Sockets;

namespace PoetryActors.Listening;

/// <summary>
/// Ends a served connection without losing what was sent. Closing a socket while bytes from the
/// client sit unread (a telnet user's Enter, a health check's request) makes the kernel answer
/// with a reset, and a reset throws away whatever the client has not read yet: a poem cut short.
/// So the server shuts its sending side (the client sees the end of the poem), then reads and
/// discards until the client closes its side, and only then releases the socket; a client that
/// stays open longer than the close timeout is closed anyway by <see cref="Sweep"/>. The reads use
/// pooled <see cref="SocketAsyncEventArgs"/>, so the usual case costs no allocation and no exception.
/// </summary>
internal sealed class GracefulCloser : IDisposable
{
    // Whatever the clients send is discarded, so every read may share one buffer.
    private static readonly byte[] Discard = new byte[4096];

    private readonly ConcurrentDictionary<Socket, long> _lingering = new();
    private readonly ConcurrentBag<Lingerer> _pool = [];
    private readonly long _closeTimeoutMs;
    private readonly Timer _sweeper;

    public GracefulCloser(TimeSpan closeTimeout)
    {
        _closeTimeoutMs = (long)closeTimeout.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_closeTimeoutMs / 4, 50, 1000));
        _sweeper = new Timer(_ => Sweep(), null, period, period);
    }

    /// <summary>Connections waiting for their client to close.</summary>
    public int Count => _lingering.Count;

    /// <summary>Shuts the sending side of <paramref name="connection"/> and releases it once the client has closed.</summary>
    public void Close(Socket connection)
    {
        try
        {
            connection.Shutdown(SocketShutdown.Send);
            connection.Blocking = false;
            while (true)
            {
                var read = connection.Receive(Discard, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    Linger(connection);
                    return;
                }
                if (error != SocketError.Success || read == 0) break;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed: nothing left to protect.
        }
        connection.Dispose();
    }

    /// <summary>Closes every connection still waiting (a stop after its drain time).</summary>
    public void CutAll()
    {
        foreach (var connection in _lingering.Keys) connection.Dispose();
    }

    /// <summary>Closes the connections whose clients kept them open past the close timeout.</summary>
    public void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (connection, deadline) in _lingering)
            if (deadline <= now) connection.Dispose();
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        CutAll();
    }

    private void Linger(Socket connection)
    {
        _lingering[connection] = Environment.TickCount64 + _closeTimeoutMs;
        var lingerer = _pool.TryTake(out var pooled) ? pooled : new Lingerer(this);
        lingerer.Start(connection);
    }

    private void Release(Lingerer lingerer, Socket connection)
    {
        _lingering.TryRemove(connection, out _);
        connection.Dispose();
        _pool.Add(lingerer);
    }

    /// <summary>Reads one connection to its end, discarding, then hands it back to be released.</summary>
    private sealed class Lingerer : SocketAsyncEventArgs
    {
        private readonly GracefulCloser _owner;
        private Socket? _connection;

        public Lingerer(GracefulCloser owner)
        {
            _owner = owner;
            SetBuffer(Discard, 0, Discard.Length);
        }

        public void Start(Socket connection)
        {
            _connection = connection;
            ReadOn();
        }

        protected override void OnCompleted(SocketAsyncEventArgs e)
        {
            if (Finished()) Done();
            else ReadOn();
        }

        private void ReadOn()
        {
            try
            {
                // A read that completes at once is handled in this loop, not by OnCompleted.
                while (!_connection!.ReceiveAsync(this))
                {
                    if (Finished())
                    {
                        Done();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                Done();
            }
        }

        private bool Finished() => SocketError != SocketError.Success || BytesTransferred == 0;

        private void Done()
        {
            var connection = _connection!;
            _connection = null;
            _owner.Release(this, connection);
        }
    }
}
