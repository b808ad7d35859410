using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
        const string What = "the cluster management endpoint";
        var address = await SmallKestrel.ResolveAsync(hostname, port, What);
        BootstrapEndpoint? endpoint = null;
        var (server, bound) = await SmallKestrel.StartAsync(address, maxConnections: 256, maxRequestHeaderBytes: 16 * 1024,
            context => endpoint!.HandleAsync(context), What,
            whenInUse: "another node there? give another poetry.cluster.bootstrap.management-port", cancellationToken: cancellationToken);
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
}
