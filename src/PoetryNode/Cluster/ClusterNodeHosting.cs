using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PoetryActors.Cluster;
using PoetryActors.Cluster.Transforms;
using PoetryActors.Deployment;

namespace PoetryNode.Cluster;

/// <summary>
/// What <c>poetry-node</c> adds to its host when the deployment joins a cluster: the cluster
/// builders of the library (remoting, membership, the catalog of the node's services under
/// <c>/user/node</c>), the cluster lifetime (publish after the start, leave before the stop),
/// the one-line reasons for a cluster start that fails and for a node the cluster ended, and for
/// the status endpoint the cluster readiness check and the members and catalog.
/// A deployment that does not join adds nothing: no remoting port, today's single node.
/// </summary>
internal static class ClusterNodeHosting
{
    /// <summary>Adds the cluster to the actor system when <paramref name="deployment"/> joins one.</summary>
    public static void AddTo(AkkaConfigurationBuilder akka, NodeDeployment deployment)
    {
        if (deployment.JoinsCluster)
        {
            AddCluster(akka, deployment);
        }
    }

    // Apart, and never inlined: compiling it loads Akka.Cluster.Hosting, which a single node
    // then never maps (tests/benchmarks/README.md, "Issue 11, idle memory, third pass").
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddCluster(AkkaConfigurationBuilder akka, NodeDeployment deployment)
    {
        var settings = PoetryClusterSettings.Create(deployment.Config);
        akka.WithPoetryCluster(settings, system => LocalServiceSource.ForNode(
            system, ActorPath.Parse($"akka://{system.Name}/user/node"), deployment.Services, settings.PublicHostname));
        akka.WithClusterTransforms(PoetryActors.Cluster.Transforms.ClusterTransformSettings.Create(deployment.Config));
        // /readyz on a member: Up in the cluster, Akka.Cluster.Hosting's own check.
        akka.WithAkkaClusterReadinessCheck(tags: ["ready", "cluster"]);
    }

    /// <summary>
    /// Refuses the start when another process listens on the remoting port. Akka's transport binds
    /// with SO_REUSEADDR, which on Linux .NET also sets SO_REUSEPORT, so a second node on the same
    /// port would bind too and take half of the first one's connections. A probe with only
    /// SO_REUSEADDR (still free to bind over connections in TIME_WAIT) fails on a listener.
    /// </summary>
    public static string? WhyPortTaken(NodeDeployment deployment)
    {
        if (!deployment.JoinsCluster)
        {
            return null;
        }

        var settings = PoetryClusterSettings.Create(deployment.Config);
        if (settings.Port == 0 || !System.Net.IPAddress.TryParse(settings.Hostname, out var address))
        {
            return null;
        }

        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (OperatingSystem.IsLinux())
        {
            probe.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        }

        try
        {
            probe.Bind(new System.Net.IPEndPoint(address, settings.Port));
            return null;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"cannot bind the cluster port {settings.Hostname}:{settings.Port}: address already in use (another node there? give --cluster-port)"
                : $"cannot bind the cluster port {settings.Hostname}:{settings.Port}: {e.Message}";
        }
    }

    /// <summary>Adds the cluster lifetime when <paramref name="deployment"/> joins a cluster (after the node's own lifetime).</summary>
    public static void AddTo(IServiceCollection services, NodeDeployment deployment)
    {
        if (deployment.JoinsCluster)
        {
            services.AddPoetryClusterLifetime();
            // The members and the catalog on the status page, /status.json and poetry-node status.
            services.AddSingleton<Status.IClusterStatusSource, Status.CatalogStatusSource>();
        }
    }

    /// <summary>Why the cluster ended this node, when it did (downed, removed), for the exit line.</summary>
    public static string? Ended(IServiceProvider services) => services.GetService<ClusterLifetimeService>()?.FailureReason;

    /// <summary>
    /// A failed start explained in one line when the cause is the cluster's (the remoting port in
    /// use, an interface that is not this machine's); null for anything else.
    /// </summary>
    public static string? WhyStartFailed(Exception failure, NodeDeployment deployment)
    {
        if (!deployment.JoinsCluster)
        {
            return null;
        }

        var settings = PoetryClusterSettings.Create(deployment.Config);
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => $"cannot bind the cluster port {settings.Hostname}:{settings.Port}: address already in use (another node there? give --cluster-port)",
                    SocketError.AddressNotAvailable => $"cannot bind the cluster port {settings.Hostname}:{settings.Port}: {settings.Hostname} is not an address of this machine",
                    _ => $"cannot bind the cluster port {settings.Hostname}:{settings.Port}: {socket.Message}",
                };
            }
        }
        var text = failure.ToString();
        return text.Contains("Failed to bind", StringComparison.OrdinalIgnoreCase) || text.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
            ? $"cannot bind the cluster port {settings.Hostname}:{settings.Port}: {failure.GetBaseException().Message}"
            : null;
    }
}
