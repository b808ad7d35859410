using System.Net;
using System.Net.Sockets;
using PoetryActors.Kinds;

namespace PoetryActors.Tests.Support;

/// <summary>
/// A poem server driven by the test: every accepted connection runs the current
/// <see cref="Behaviour"/> (serve, stay silent, reset, wait for a gate). It counts connections and
/// notices when the other side closes a connection it holds open, so a test can tell that a
/// download was cancelled.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly SemaphoreSlim _peerClosed = new(0);
    private readonly SemaphoreSlim _connected = new(0);
    private readonly Task _acceptLoop;
    private int _connections;

    private ScriptedUpstream(Func<Socket, CancellationToken, Task>? behaviour)
    {
        Behaviour = behaviour ?? Silent();
        _listener.Start();
        Address = new NetAddress("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);
        _acceptLoop = AcceptAsync();
    }

    /// <summary>What the server does with the next connections; may be swapped between requests.</summary>
    public Func<Socket, CancellationToken, Task> Behaviour { get; set; }

    public NetAddress Address { get; }

    /// <summary>How many connections were accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts listening on 127.0.0.1 at a free port; without a behaviour it is <see cref="Silent"/>.</summary>
    public static ScriptedUpstream Start(Func<Socket, CancellationToken, Task>? behaviour = null) => new(behaviour);

    /// <summary>An address where nothing listens (a port just released), to be refused.</summary>
    public static NetAddress Refusing()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new NetAddress("127.0.0.1", ((IPEndPoint)probe.LocalEndPoint!).Port);
    }

    /// <summary>Waits until a connection has been accepted, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForConnectionAsync(TimeSpan timeout)
    {
        if (!await _connected.WaitAsync(timeout))
        {
            throw new TimeoutException($"no connection reached the upstream within {timeout.TotalSeconds} s");
        }
    }

    /// <summary>Waits until the other side closed a connection held by <see cref="Silent"/> or <see cref="Gated"/>.</summary>
    public Task<bool> WaitForPeerCloseAsync(TimeSpan timeout) => _peerClosed.WaitAsync(timeout);

    // ---- behaviours ---------------------------------------------------------------------------

    /// <summary>Sends <paramref name="poem"/> and closes cleanly.</summary>
    public static Func<Socket, CancellationToken, Task> Serves(byte[] poem) => async (socket, cancel) =>
    {
        await SendAllAsync(socket, poem, cancel);
        socket.Shutdown(SocketShutdown.Send);
    };

    /// <summary>Sends <paramref name="partial"/>, then resets the connection (no clean close).</summary>
    public static Func<Socket, CancellationToken, Task> ResetsAfter(byte[] partial) => async (socket, cancel) =>
    {
        await SendAllAsync(socket, partial, cancel);
        // A zero linger turns the close into a reset.
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    };

    /// <summary>Sends one byte every <paramref name="interval"/>, never closing.</summary>
    public static Func<Socket, CancellationToken, Task> Trickles(TimeSpan interval) => async (socket, cancel) =>
    {
        while (!cancel.IsCancellationRequested)
        {
            await SendAllAsync(socket, "x"u8.ToArray(), cancel);
            await Task.Delay(interval, cancel);
        }
    };

    /// <summary>Accepts and never sends; notices when the other side closes.</summary>
    public Func<Socket, CancellationToken, Task> Silent() => (socket, cancel) => WatchPeerAsync(socket, cancel);

    /// <summary>Waits for <paramref name="gate"/>, then sends <paramref name="poem"/> and closes; notices an early close by the other side.</summary>
    public Func<Socket, CancellationToken, Task> Gated(Task gate, byte[] poem) => async (socket, cancel) =>
    {
        var watch = WatchPeerAsync(socket, cancel);
        if (await Task.WhenAny(gate, watch) != gate)
        {
            return;
        }

        await SendAllAsync(socket, poem, cancel);
        socket.Shutdown(SocketShutdown.Send);
    };

    private async Task WatchPeerAsync(Socket socket, CancellationToken cancel)
    {
        var buffer = new byte[64];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancel) > 0) { }
        }
        catch (SocketException) { }
        _peerClosed.Release();
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None, cancel)..];
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            Interlocked.Increment(ref _connections);
            _connected.Release();
            var behaviour = Behaviour;
            _ = Task.Run(async () =>
            {
                try { await behaviour(socket, _stop.Token); }
                catch (Exception) { /* the test looks at what the client saw */ }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _acceptLoop; } catch (Exception) { }
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }
}
