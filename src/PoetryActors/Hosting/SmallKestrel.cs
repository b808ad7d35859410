using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PoetryActors.Hosting;

/// <summary>
/// Kestrel as a node's small HTTP endpoints use it (the status endpoint, the cluster's management
/// endpoint): HTTP/1.1 on one interface only, read-only requests within tight limits (no body, a
/// few small headers, bounded connections, timeouts on slow clients), one request delegate, and a
/// start failure (a port in use, an interface that is not this machine's or does not resolve)
/// turned into a <see cref="NodeStartException"/> of one line that names the endpoint.
/// </summary>
internal static class SmallKestrel
{
    /// <summary>
    /// The one address to bind for <paramref name="iface"/>: <c>localhost</c> is 127.0.0.1, <c>*</c>
    /// (or <c>0.0.0.0</c>) every IPv4 interface, <c>::</c> every IPv6 one, a name its first IPv4 address.
    /// </summary>
    public static async Task<IPEndPoint> ResolveAsync(string iface, int port, string what)
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
            var addresses = await Dns.GetHostAddressesAsync(iface).ConfigureAwait(false);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new NodeStartException($"cannot serve {what}: interface '{iface}' has no address");
            return new IPEndPoint(chosen, port);
        }
        catch (SocketException e)
        {
            throw new NodeStartException($"cannot serve {what}: cannot resolve interface '{iface}': {e.Message}");
        }
    }

    /// <summary>
    /// Starts Kestrel on <paramref name="endpoint"/>, answering every request with
    /// <paramref name="handle"/> (its <see cref="HttpContext.RequestServices"/> are
    /// <paramref name="services"/>), at most <paramref name="maxConnections"/> connections and
    /// <paramref name="maxRequestHeaderBytes"/> of headers each. Returns the server and the port it
    /// is bound to (the real one when 0 was asked for). <paramref name="whenInUse"/> is added to
    /// the one line a port in use gives, to tell the operator what to change.
    /// </summary>
    public static async Task<(KestrelServer Server, int Port)> StartAsync(
        IPEndPoint endpoint, int maxConnections, int maxRequestHeaderBytes, RequestDelegate handle, string what,
        IServiceProvider? services = null, ILoggerFactory? loggerFactory = null, string? whenInUse = null,
        CancellationToken cancellationToken = default)
    {
        services ??= new ServiceCollection().BuildServiceProvider();
        loggerFactory ??= NullLoggerFactory.Instance;
        var server = new KestrelServer(Options.Create(ServerOptions(endpoint, maxConnections, maxRequestHeaderBytes, services)),
            new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory), loggerFactory);
        try
        {
            await server.StartAsync(new Application(handle, services), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new NodeStartException($"cannot serve {what} on {endpoint}: {Describe(e, whenInUse)}");
        }

        var port = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a).Port).FirstOrDefault() ?? endpoint.Port;
        return (server, port);
    }

    private static KestrelServerOptions ServerOptions(IPEndPoint endpoint, int maxConnections, int maxRequestHeaderBytes, IServiceProvider services)
    {
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        var limits = options.Limits;
        limits.MaxConcurrentConnections = maxConnections;
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.MaxRequestHeadersTotalSize = maxRequestHeaderBytes;
        limits.MaxRequestLineSize = Math.Min(maxRequestHeaderBytes, 8 * 1024);
        limits.MaxRequestHeaderCount = 50;
        // Only GETs are served: no request has a body.
        limits.MaxRequestBodySize = 0;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        options.Listen(endpoint, listen => listen.Protocols = HttpProtocols.Http1);
        return options;
    }

    private static string Describe(Exception e, string? whenInUse)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "address already in use" + (whenInUse is null ? "" : $" ({whenInUse})"),
                    SocketError.AccessDenied => "permission denied (ports below 1024 need root)",
                    SocketError.AddressNotAvailable => "not an address of this machine",
                    _ => socket.Message,
                };
            }
        }

        return e.GetBaseException().Message;
    }

    /// <summary>Kestrel's side: one plain <see cref="HttpContext"/> per request, handled by one delegate.</summary>
    private sealed class Application(RequestDelegate handle, IServiceProvider services) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) =>
            new DefaultHttpContext(contextFeatures) { RequestServices = services };

        public Task ProcessRequestAsync(HttpContext context) => handle(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
