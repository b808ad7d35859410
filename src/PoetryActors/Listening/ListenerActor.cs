using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using PoetryActors.Instruments;
using PoetryActors.Kinds;
using PoetryActors.Services;
using static PoetryActors.Listening.ListenerProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Listening;

/// <summary>
/// A listening TCP service (Twisted's <c>TCPServer</c>): on start it obtains its connection
/// handler (typically by asking a sibling service, as the tutorial's factory holds its
/// <c>PoetryService</c>), binds iface:port and accepts on a dedicated thread; connections are
/// served by plain code, not an actor each, at most <see cref="ListenerSettings.MaxConnections"/>
/// at once. On stop it closes the port, drains the connections in flight and resets what is left
/// after the drain timeout. Answers the service protocol and
/// <see cref="ListenerProtocol.GetBoundAddress"/>. A failure of the accept loop itself crashes the
/// actor so that its collection restarts it.
/// </summary>
internal sealed class ListenerActor : ServiceActor, IWithUnboundedStash
{
    private readonly ListenerSettings _settings;
    private readonly Func<IActorContext, Task<IConnectionHandler>> _handlerSource;
    private AcceptLoop? _loop;

    // What the next start serves with, obtained in the AwaitingHandler state just before it.
    private IConnectionHandler? _handler;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    public ListenerActor(ListenerSettings settings, Func<IActorContext, Task<IConnectionHandler>> handlerSource)
    {
        _settings = settings;
        _handlerSource = handlerSource;
    }

    /// <summary>
    /// Props for a listener whose handler comes from <paramref name="handlerSource"/>, called on
    /// every start with the listener's context (so it can ask its siblings).
    /// </summary>
    public static Props Props(ListenerSettings settings, Func<IActorContext, Task<IConnectionHandler>> handlerSource) =>
        ConstructorProps.Of(() => new ListenerActor(settings, handlerSource));

    /// <summary>Props for a listener that always serves with the same handler.</summary>
    public static Props Props(ListenerSettings settings, IConnectionHandler handler) =>
        Props(settings, _ => Task.FromResult(handler));

    /// <summary>
    /// A start first obtains the handler (typically an Ask of a sibling service) in the
    /// AwaitingHandler state, with the mailbox open and other messages stashed, then binds.
    /// </summary>
    protected override void OnReceive(object message)
    {
        if (message is StartService && !IsRunning)
        {
            var requester = Sender;
            Task<IConnectionHandler> source;
            try
            {
                source = _handlerSource(Context);
            }
            catch (Exception e)
            {
                RefuseStart(requester, e);
                return;
            }

            source.PipeTo(Self, success: handler => new HandlerReady(handler, requester), failure: cause => new HandlerRefused(cause, requester));
            Become(AwaitingHandler);
            return;
        }

        base.OnReceive(message);
    }

    private void AwaitingHandler(object message)
    {
        switch (message)
        {
            case HandlerReady ready:
                _handler = ready.Handler;
                Become(OnReceive);
                Start(ready.Requester);
                Stash.UnstashAll();
                break;
            case HandlerRefused refused:
                Become(OnReceive);
                RefuseStart(refused.Requester, refused.Cause is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : refused.Cause);
                Stash.UnstashAll();
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    protected override async Task StartServiceAsync()
    {
        var handler = _handler ?? throw new InvalidOperationException("the listener started without a connection handler");
        // A restart asks again: a restarted sibling's new state is served once the listener restarts too.
        _handler = null;
        var address = await ResolveAsync(_settings.Iface, _settings.Port);
        var self = Self;
        var instruments = ServiceInstruments.For(Self.Path).Offering(ServiceRoles.Connections);
        (handler as IInstrumentedHandler)?.UseInstruments(instruments);
        _loop = AcceptLoop.Bind(address, _settings, handler, Log, e => self.Tell(new AcceptLoopFailed(e)), instruments);
        instruments.Bound(Name, _loop.LocalAddress.ToString());
        _loop.Start();
        Log.Info("listening on {0}", _loop.LocalAddress);
    }

    protected override async Task StopServiceAsync()
    {
        if (_loop is not { } loop)
        {
            return;
        }

        _loop = null;
        ServiceInstruments.For(Self.Path).Unbound(Name);
        var cut = await loop.CloseAsync(_settings.DrainTimeout).ConfigureAwait(false);
        loop.Dispose();
        if (cut > 0)
        {
            Log.Warning("stopped listening on {0}; reset {1} connections still being served after the drain time of {2:0.##} s (their clients see a reset, not the end of a poem)",
                loop.LocalAddress, cut, _settings.DrainTimeout.TotalSeconds);
        }
        else
        {
            // Debug: its service's stop is the line an operator reads.
            Log.Debug("stopped listening on {0}", loop.LocalAddress);
        }
    }

    protected override void OnServiceMessage(object message)
    {
        switch (message)
        {
            case GetBoundAddress:
                Sender.Tell(_loop is { } loop ? new BoundTo(loop.LocalAddress) : NotBound.Instance);
                break;
            case AcceptLoopFailed failed:
                throw new IOException($"accepting on {_loop?.LocalAddress} failed: {failed.Cause.Message}", failed.Cause);
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        base.PostStop();
        _loop?.Dispose();
    }

    /// <summary>Turns the configured interface into an address; IPv4 first, as Twisted's listenTCP does.</summary>
    internal static async Task<IPEndPoint> ResolveAsync(string iface, int port)
    {
        if (string.IsNullOrWhiteSpace(iface) || iface is "*" or "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (iface is "::")
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        if (IPAddress.TryParse(iface, out var literal))
        {
            return new IPEndPoint(literal, port);
        }

        if (iface.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = await HostAddresses.ResolveIPv4FirstAsync(iface).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new ServiceStartException($"cannot resolve interface '{iface}': {e.Message}", e);
        }
        var chosen = addresses.FirstOrDefault()
            ?? throw new ServiceStartException($"interface '{iface}' has no address");
        return new IPEndPoint(chosen, port);
    }

    private sealed record AcceptLoopFailed(Exception Cause);

    private sealed record HandlerReady(IConnectionHandler Handler, IActorRef Requester);

    private sealed record HandlerRefused(Exception Cause, IActorRef Requester);
}
