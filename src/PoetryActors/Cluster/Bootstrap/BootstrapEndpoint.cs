using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using PoetryActors.Hosting;

namespace PoetryActors.Cluster.Bootstrap;

/// <summary>
/// A member's management HTTP endpoint as Cluster Bootstrap's contact points probe it:
/// <c>GET /bootstrap/seed-nodes</c> answers this member's address and the members it sees Up,
/// WeaklyUp or Joining (and reachable), in Akka.Management's own JSON (its
/// <see cref="HttpBootstrapJsonProtocol.SeedNodes"/>, serialized as the library's prober reads
/// it). It is served by Kestrel, bound to one interface (the cluster's) only, because the HTTP
/// server Akka.Management 1.5.73 ships with (Ceen.Httpd) fails to start with the only Ceen
/// version served here (0.9.10: a missing <c>ListenAsync</c>). The endpoint can be bound before
/// its actor system exists (port 0, read back through <see cref="Port"/>), so that tests can
/// list every member's real port in config discovery; until <see cref="Serve"/> it answers 503.
/// </summary>
public sealed class BootstrapEndpoint : IAsyncDisposable
{
    private const string SeedNodesPath = "/bootstrap/seed-nodes";
    private readonly KestrelServer _server;
    private volatile ActorSystem? _system;

    private BootstrapEndpoint(KestrelServer server, string advertisedHost, int port)
    {
        _server = server;
        Port = port;
        SelfUri = new Uri($"http://{(advertisedHost.Contains(':') ? $"[{advertisedHost}]" : advertisedHost)}:{port}/");
    }

    /// <summary>The port the endpoint is bound to (the real one when 0 was asked for).</summary>
    public int Port { get; }

    /// <summary>The base address other members reach it on: the advertised host and <see cref="Port"/>.</summary>
    public Uri SelfUri { get; }

    /// <summary>
    /// Binds <paramref name="hostname"/>:<paramref name="port"/> (0: any free port), advertised as
    /// <paramref name="advertisedHost"/>. A port that cannot be bound is a <see cref="NodeStartException"/> with one line.
    /// </summary>
    public static async Task<BootstrapEndpoint> StartAsync(string hostname, string advertisedHost, int port, CancellationToken cancellationToken = default)
    {
        var address = await ResolveAsync(hostname);
        var services = new ServiceCollection().BuildServiceProvider();
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        options.Limits.MaxRequestBodySize = 0;
        options.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        options.Limits.MaxConcurrentConnections = 256;
        options.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        options.Listen(new IPEndPoint(address, port), listen => listen.Protocols = HttpProtocols.Http1);
        var server = new KestrelServer(Options.Create(options),
            new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance), NullLoggerFactory.Instance);
        BootstrapEndpoint? endpoint = null;
        try
        {
            await server.StartAsync(new Application(context => endpoint!.HandleAsync(context)), cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new NodeStartException($"cannot serve the cluster management endpoint on {hostname}:{port}: {Describe(e)}");
        }
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a).Port).FirstOrDefault() ?? port;
        endpoint = new BootstrapEndpoint(server, advertisedHost, bound);
        return endpoint;
    }

    /// <summary>Answers probes with <paramref name="system"/>'s view of the cluster from now on.</summary>
    public void Serve(ActorSystem system) => _system = system;

    private async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Path != SeedNodesPath)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (_system is not { } system)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var body = JsonConvert.SerializeObject(SeedNodes(Akka.Cluster.Cluster.Get(system)));
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }

    /// <summary>What a probe is told: as Akka.Management's own route answers (no members while this one is leaving or down).</summary>
    internal static HttpBootstrapJsonProtocol.SeedNodes SeedNodes(Akka.Cluster.Cluster cluster)
    {
        var self = cluster.SelfMember;
        if (self.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed)
        {
            return new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty);
        }

        var state = cluster.State;
        var members = state.Members
            .Where(m => !state.Unreachable.Contains(m))
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
            .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
            .ToImmutableList();
        return new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _system = null;
        await _server.StopAsync(CancellationToken.None);
        _server.Dispose();
    }

    private static async Task<IPAddress> ResolveAsync(string hostname)
    {
        if (hostname is "*" or "0.0.0.0")
        {
            return IPAddress.Any;
        }

        if (hostname.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(hostname, out var literal))
        {
            return literal;
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(hostname);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new NodeStartException($"cannot serve the cluster management endpoint: '{hostname}' has no address");
        }
        catch (SocketException e)
        {
            throw new NodeStartException($"cannot serve the cluster management endpoint: cannot resolve '{hostname}': {e.Message}");
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
                    SocketError.AddressAlreadyInUse => "address already in use (another node there? give another poetry.cluster.bootstrap.management-port)",
                    SocketError.AccessDenied => "permission denied (ports below 1024 need root)",
                    SocketError.AddressNotAvailable => "not an address of this machine",
                    _ => socket.Message,
                };
            }
        }

        return e.GetBaseException().Message;
    }

    /// <summary>Kestrel's side: one plain <see cref="HttpContext"/> per request, handled by one delegate.</summary>
    private sealed class Application(RequestDelegate handle) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => handle(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
