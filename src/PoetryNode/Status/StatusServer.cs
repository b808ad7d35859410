using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PoetryActors.Hosting;
using PoetryActors.Instruments;

namespace PoetryNode.Status;

/// <summary>
/// The status endpoint's web server: Kestrel, from the ASP.NET Core shared framework, started as
/// one more hosted service of the node's Generic Host (so it shares its services, its log and its
/// lifetime), before the poetry services, so that <c>/readyz</c> answers 503 while they start.
/// It binds only the configured interface, speaks HTTP/1.1 within Kestrel's limits
/// (<see cref="StatusSettings"/>), and serves <see cref="StatusEndpoints"/>. A port that cannot be
/// bound fails the node's start with one line, like any other port.
/// </summary>
internal sealed class StatusServer(
    IServiceProvider services,
    StatusSettings settings,
    ActorSystem system,
    RecentWarnings warnings,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "status");
    private KestrelServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        warnings.CollectFrom(system);
        var endpoint = await ResolveAsync(settings.Iface, settings.Port ?? 0);
        var server = new KestrelServer(Options.Create(KestrelOptions(endpoint)),
            new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory), loggerFactory);

        var app = new ApplicationBuilder(services);
        StatusEndpoints.Build(app);
        var pipeline = app.Build();
        try
        {
            await server.StartAsync(new Application(pipeline, services), cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new NodeStartException($"cannot serve the status endpoint on {endpoint}: {Describe(e)}");
        }
        _server = server;
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{endpoint}";
        _log.Info("status page on {0}/ (also /healthz, /readyz, /metrics)", address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not { } server)
        {
            return;
        }

        _server = null;
        await server.StopAsync(cancellationToken);
        server.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await StopAsync(CancellationToken.None);
        }
    }

    private KestrelServerOptions KestrelOptions(IPEndPoint endpoint)
    {
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        var limits = options.Limits;
        limits.MaxConcurrentConnections = settings.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.MaxRequestHeadersTotalSize = settings.MaxRequestHeaderBytes;
        limits.MaxRequestLineSize = Math.Min(settings.MaxRequestHeaderBytes, 8 * 1024);
        limits.MaxRequestHeaderCount = 50;
        // Only GETs are served: no request has a body.
        limits.MaxRequestBodySize = 0;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        options.Listen(endpoint, listen => listen.Protocols = HttpProtocols.Http1);
        return options;
    }

    /// <summary>The one address to bind: <c>localhost</c> is 127.0.0.1, as for the poem services; <c>*</c> every interface.</summary>
    internal static async Task<IPEndPoint> ResolveAsync(string iface, int port)
    {
        if (iface is "*" or "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        if (iface is "::")
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        if (iface.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(iface, out var literal))
        {
            return new IPEndPoint(literal, port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(iface);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new NodeStartException($"cannot serve the status endpoint: interface '{iface}' has no address");
            return new IPEndPoint(chosen, port);
        }
        catch (SocketException e)
        {
            throw new NodeStartException($"cannot serve the status endpoint: cannot resolve interface '{iface}': {e.Message}");
        }
    }

    private static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "address already in use",
                    SocketError.AccessDenied => "permission denied (ports below 1024 need root)",
                    SocketError.AddressNotAvailable => "no such local address",
                    _ => socket.Message,
                };
            }
        }

        return e.GetBaseException().Message;
    }

    /// <summary>Kestrel's side of the pipeline: one plain <see cref="HttpContext"/> per request.</summary>
    private sealed class Application(RequestDelegate pipeline, IServiceProvider services) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) =>
            new DefaultHttpContext(contextFeatures) { RequestServices = services };

        public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
