using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Event;
using PoetryActors.Instruments;

namespace PoetryActors.Listening;

/// <summary>
/// The plain code under a listener actor: a bound socket, a dedicated accept thread, and the
/// connections still being served. Connections are handed to an <see cref="IConnectionHandler"/>
/// on the accept thread; most finish before it accepts the next one (a poem fits in the socket's
/// send buffer), so only the few that must wait are tracked. At most
/// <see cref="ListenerSettings.MaxConnections"/> are served at once: at the limit the thread
/// stops accepting and the kernel's queue holds the next ones. A connection that ends before its
/// handler is done (it failed, stalled, or a stop cut it) is reset, never closed with a FIN that
/// its client could take for the end of a whole poem. One connection's failure is logged (floods
/// of them summarised) and ends that connection only.
/// </summary>
internal sealed class AcceptLoop : IDisposable
{
    // Two, not one: under load about one client closes per accept, and a second visit lets the
    // accept thread catch up after a pause instead of leaving the backlog to the timer's sweep.
    private const int ReleaseVisitsPerAccept = 2;

    private readonly Socket _socket;
    private readonly IConnectionHandler _handler;
    private readonly ILoggingAdapter _log;
    private readonly RepeatedWarnings _warnings;
    private readonly Action<Exception> _onFatal;
    private readonly CancellationTokenSource _cut = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _inFlight = new();
    private readonly GracefulCloser _closer;
    private readonly ServiceInstruments _instruments;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxConnections;
    private readonly Thread _thread;
    private volatile bool _closing;

    private AcceptLoop(Socket socket, ListenerSettings settings, IConnectionHandler handler, ILoggingAdapter log, Action<Exception> onFatal,
        ServiceInstruments instruments)
    {
        _socket = socket;
        _instruments = instruments;
        _maxConnections = settings.MaxConnections;
        _slots = new SemaphoreSlim(settings.MaxConnections, settings.MaxConnections);
        _closer = new GracefulCloser(settings.CloseTimeout, Ended);
        _handler = handler;
        _log = log;
        _warnings = new RepeatedWarnings(log);
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
    public static AcceptLoop Bind(IPEndPoint address, ListenerSettings settings, IConnectionHandler handler, ILoggingAdapter log,
        Action<Exception> onFatal, ServiceInstruments? instruments = null)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowRebindDuringTimeWait(socket);
            // Accepted connections inherit the listening socket's buffer sizes (Linux, the BSDs),
            // so this costs nothing per connection.
            if (settings.SendBuffer > 0)
            {
                socket.SendBufferSize = settings.SendBuffer;
            }

            socket.Bind(address);
            socket.Listen(settings.Backlog);
            if (settings.DeferAccept)
            {
                DeferAccept(socket);
            }
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new Services.ServiceStartException($"cannot listen on {address}: {Describe(e)}", e);
        }
        return new AcceptLoop(socket, settings, handler, log, onFatal, instruments ?? ServiceInstruments.Unassigned);
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
        {
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(on));
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            socket.SetRawSocketOption(0xffff /* SOL_SOCKET */, 0x4 /* SO_REUSEADDR */, BitConverter.GetBytes(on));
        }
    }

    /// <summary>
    /// Asks the kernel to hold a new connection until data arrives (<c>TCP_DEFER_ACCEPT</c>, for
    /// one second: the shortest it offers, one SYN-ACK retransmission). Linux only; elsewhere, or
    /// if the kernel refuses, connections are simply handed over at once.
    /// </summary>
    private static void DeferAccept(Socket socket)
    {
        const int IpProtoTcp = 6, TcpDeferAccept = 9, Seconds = 1;
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

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
    /// then resets the rest. Returns how many were reset.
    /// </summary>
    public async Task<int> CloseAsync(TimeSpan drain)
    {
        _closing = true;
        _stopping.Cancel();
        _socket.Dispose();
        // Closing the socket wakes the blocked accept; the thread then ends.
        await Task.Run(() => _thread.Join(TimeSpan.FromSeconds(5))).ConfigureAwait(false);

        var deadline = DateTime.UtcNow + drain;
        while (InFlight > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        var cut = InFlight;
        _cut.Cancel();
        foreach (var connection in _inFlight.Keys)
        {
            Abort.Connection(connection);
        }
        // Connections that only wait for their client to close have had everything; a stop
        // does not wait for them.
        _closer.CutAll();
        _warnings.Flush(all: true);
        return cut;
    }

    public void Dispose()
    {
        _closing = true;
        _stopping.Cancel();
        _socket.Dispose();
        _cut.Cancel();
        foreach (var connection in _inFlight.Keys)
        {
            Abort.Connection(connection);
        }

        _closer.Dispose();
        _warnings.Flush(all: true);
        _cut.Dispose();
    }

    private void Run()
    {
        while (!_closing)
        {
            if (!WaitForSlot())
            {
                return;
            }

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
                _slots.Release();
                // Out of file descriptors or buffers: back off briefly instead of spinning; the
                // pending connections stay in the kernel's queue.
                _warnings.Warn($"accept on {LocalAddress} failed", $"accept on {LocalAddress} failed: {Describe(e)}; retrying");
                Thread.Sleep(50);
                continue;
            }
            catch (Exception e)
            {
                _onFatal(e);
                return;
            }
            Serve(connection);
            // Close, here and now, a connection or two whose clients are done (GracefulCloser's
            // remarks say why: on one core, the closes the timer did in bursts were the p99).
            _closer.ReleaseSome(ReleaseVisitsPerAccept);
        }
    }

    /// <summary>Takes a connection slot, waiting (without accepting) while max-connections are open; false once the loop closes.</summary>
    private bool WaitForSlot()
    {
        if (_slots.Wait(0))
        {
            return true;
        }

        _warnings.Warn($"{LocalAddress} at max-connections",
            $"{LocalAddress} has {_maxConnections} connections open, its max-connections; not accepting until one ends (the kernel queues the next ones)");
        try
        {
            _slots.Wait(_stopping.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // A connection has ended, one way or another: its slot is free again.
    private void Ended() => _slots.Release();

    private void Serve(Socket connection)
    {
        var acceptedAt = _instruments.ConnectionAccepted();
        ValueTask served;
        try
        {
            served = _handler.ServeAsync(connection, _cut.Token);
        }
        catch (Exception e)
        {
            LogFailure(connection, e, acceptedAt);
            Abort.Connection(connection);
            Ended();
            return;
        }

        if (served.IsCompletedSuccessfully)
        {
            _instruments.ConnectionEnded(acceptedAt);
            _closer.Close(connection);
            return;
        }

        _inFlight.TryAdd(connection, 0);
        _ = FinishAsync(served, connection, acceptedAt);
    }

    private async Task FinishAsync(ValueTask served, Socket connection, long acceptedAt)
    {
        var completed = false;
        try
        {
            await served.ConfigureAwait(false);
            completed = true;
            _instruments.ConnectionEnded(acceptedAt);
        }
        catch (Exception e)
        {
            LogFailure(connection, e, acceptedAt);
        }
        finally
        {
            _inFlight.TryRemove(connection, out _);
            // A served connection ends gracefully so that nothing sent is lost; one that failed or
            // was cut ends with a reset, so that its client cannot take what it got for all of it.
            if (completed)
            {
                _closer.Close(connection);
            }
            else
            {
                Abort.Connection(connection);
                Ended();
            }
        }
    }

    private void LogFailure(Socket connection, Exception e, long acceptedAt)
    {
        _instruments.ConnectionEnded(acceptedAt, CutReasonOf(e));
        if (_cut.IsCancellationRequested)
        {
            return;
        }

        var peer = SafePeer(connection);
        if (e is SocketException or IOException or OperationCanceledException)
        {
            _log.Debug("connection from {0} ended early: {1}", peer, e.Message);
        }
        else
        {
            _warnings.Warn($"connections to {LocalAddress} reset", $"connection from {peer} reset: {e.Message}");
        }
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

    private CutReason CutReasonOf(Exception e) =>
        _cut.IsCancellationRequested ? CutReason.Drain
        : e is TimeoutException ? CutReason.Stall
        : e is SocketException or IOException or OperationCanceledException ? CutReason.Reset
        : CutReason.Error;

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
