using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Event;

namespace PoetryActors.Listening;

/// <summary>
/// The plain code under a listener actor: a bound socket, a dedicated accept thread, and the
/// connections still being served. Connections are handed to an <see cref="IConnectionHandler"/>
/// on the accept thread; most finish before it accepts the next one (a poem fits in the socket's
/// send buffer), so only the few that must wait are tracked. One connection's failure is logged
/// and closes that connection only.
/// </summary>
internal sealed class AcceptLoop : IDisposable
{
    private readonly Socket _socket;
    private readonly IConnectionHandler _handler;
    private readonly ILoggingAdapter _log;
    private readonly Action<Exception> _onFatal;
    private readonly CancellationTokenSource _cut = new();
    private readonly ConcurrentDictionary<Socket, byte> _inFlight = new();
    private readonly GracefulCloser _closer;
    private readonly Thread _thread;
    private volatile bool _closing;

    private AcceptLoop(Socket socket, IConnectionHandler handler, ILoggingAdapter log, Action<Exception> onFatal, TimeSpan closeTimeout)
    {
        _socket = socket;
        _closer = new GracefulCloser(closeTimeout);
        _handler = handler;
        _log = log;
        _onFatal = onFatal;
        LocalAddress = (IPEndPoint)socket.LocalEndPoint!;
        _thread = new Thread(Run) { IsBackground = true, Name = $"accept {LocalAddress}" };
    }

    /// <summary>The address the socket is bound to.</summary>
    public IPEndPoint LocalAddress { get; }

    /// <summary>Connections accepted and still being served (only those that had to wait).</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>
    /// Binds and listens, or throws <see cref="Services.ServiceStartException"/> with a reason an
    /// operator can act on. Accepting begins with <see cref="Start"/>.
    /// </summary>
    public static AcceptLoop Bind(IPEndPoint address, int backlog, bool deferAccept, IConnectionHandler handler, ILoggingAdapter log,
        Action<Exception> onFatal, TimeSpan closeTimeout)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowRebindDuringTimeWait(socket);
            socket.Bind(address);
            socket.Listen(backlog);
            if (deferAccept) DeferAccept(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new Services.ServiceStartException($"cannot listen on {address}: {Describe(e)}", e);
        }
        return new AcceptLoop(socket, handler, log, onFatal, closeTimeout);
    }

    /// <summary>
    /// As Twisted does, sets SO_REUSEADDR alone, so that a restarted server need not wait for its old
    /// connections' TIME_WAIT and a port in use by another listener is still refused. Not through
    /// <see cref="SocketOptionName.ReuseAddress"/>: on Unix .NET sets SO_REUSEPORT with it, and two
    /// listeners then share the port without a word. (.NET already sets SO_REUSEADDR on new Unix TCP
    /// sockets; this says so rather than rely on it. Windows rebinds during TIME_WAIT by default.)
    /// </summary>
    private static void AllowRebindDuringTimeWait(Socket socket)
    {
        const int on = 1;
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(on));
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            socket.SetRawSocketOption(0xffff /* SOL_SOCKET */, 0x4 /* SO_REUSEADDR */, BitConverter.GetBytes(on));
    }

    /// <summary>
    /// Asks the kernel to hold a new connection until data arrives (<c>TCP_DEFER_ACCEPT</c>, for
    /// one second: the shortest it offers, one SYN-ACK retransmission). Linux only; elsewhere, or
    /// if the kernel refuses, connections are simply handed over at once.
    /// </summary>
    private static void DeferAccept(Socket socket)
    {
        const int IpProtoTcp = 6, TcpDeferAccept = 9, Seconds = 1;
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpDeferAccept, BitConverter.GetBytes(Seconds));
        }
        catch (SocketException)
        {
            // Only an optimisation: serving works the same without it.
        }
    }

    /// <summary>Starts the accept thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>
    /// Stops accepting, lets the connections in flight finish for up to <paramref name="drain"/>,
    /// then cuts the rest. Returns how many were cut.
    /// </summary>
    public async Task<int> CloseAsync(TimeSpan drain)
    {
        _closing = true;
        _socket.Dispose();
        // Closing the socket wakes the blocked accept; the thread then ends.
        await Task.Run(() => _thread.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);

        var deadline = DateTime.UtcNow + drain;
        while (InFlight > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20).ConfigureAwait(false);

        var cut = InFlight;
        _cut.Cancel();
        foreach (var connection in _inFlight.Keys) connection.Dispose();
        // Connections that only wait for their client to close have had everything; a stop
        // does not wait for them.
        _closer.CutAll();
        return cut;
    }

    public void Dispose()
    {
        _closing = true;
        _socket.Dispose();
        _cut.Cancel();
        foreach (var connection in _inFlight.Keys) connection.Dispose();
        _closer.Dispose();
        _cut.Dispose();
    }

    private void Run()
    {
        while (!_closing)
        {
            Socket connection;
            try
            {
                connection = _socket.Accept();
            }
            catch (Exception) when (_closing)
            {
                return;
            }
            catch (SocketException e) when (IsTransient(e.SocketErrorCode))
            {
                // Out of file descriptors or buffers: back off briefly instead of spinning; the
                // pending connections stay in the kernel's queue.
                _log.Warning("accept on {0} failed: {1}; retrying", LocalAddress, Describe(e));
                Thread.Sleep(50);
                continue;
            }
            catch (Exception e)
            {
                _onFatal(e);
                return;
            }
            Serve(connection);
        }
    }

    private void Serve(Socket connection)
    {
        ValueTask served;
        try
        {
            served = _handler.ServeAsync(connection, _cut.Token);
        }
        catch (Exception e)
        {
            LogFailure(connection, e);
            connection.Dispose();
            return;
        }

        if (served.IsCompletedSuccessfully)
        {
            _closer.Close(connection);
            return;
        }

        _inFlight.TryAdd(connection, 0);
        _ = FinishAsync(served, connection);
    }

    private async Task FinishAsync(ValueTask served, Socket connection)
    {
        var completed = false;
        try
        {
            await served.ConfigureAwait(false);
            completed = true;
        }
        catch (Exception e)
        {
            LogFailure(connection, e);
        }
        finally
        {
            _inFlight.TryRemove(connection, out _);
            // A failed connection ends at once (its client gets a close, or a reset); a served one
            // ends gracefully so that nothing sent is lost.
            if (completed && !_cut.IsCancellationRequested) _closer.Close(connection);
            else connection.Dispose();
        }
    }

    private void LogFailure(Socket connection, Exception e)
    {
        if (_cut.IsCancellationRequested) return;
        var peer = SafePeer(connection);
        if (e is SocketException or IOException or OperationCanceledException)
            _log.Debug("connection from {0} ended early: {1}", peer, e.Message);
        else
            _log.Warning("connection from {0} failed: {1}", peer, e.Message);
    }

    /// <summary>
    /// The client's address as a log argument: the endpoint itself, turned into text only when
    /// (and where) the line is written, so that a per-connection log line costs the accept thread
    /// no formatting.
    /// </summary>
    internal static object PeerOf(Socket connection)
    {
        try { return connection.RemoteEndPoint ?? (object)"?"; }
        catch (Exception) { return "?"; }
    }

    internal static string SafePeer(Socket connection)
    {
        try { return connection.RemoteEndPoint?.ToString() ?? "?"; }
        catch (Exception) { return "?"; }
    }

    private static bool IsTransient(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable or SocketError.ConnectionAborted
            or SocketError.ConnectionReset or SocketError.Interrupted or SocketError.TryAgain;

    /// <summary>A socket error in words, as an operator reads it.</summary>
    internal static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AccessDenied => "permission denied (ports below 1024 need root)",
        SocketError.AddressNotAvailable => "no such local address",
        _ => e.Message,
    };
}
