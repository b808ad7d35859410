using Akka.Actor;
using Akka.Discovery.Config.Hosting;
using Akka.Hosting;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;

namespace PoetryActors.Cluster.Bootstrap;

/// <summary>
/// Akka.Hosting builder that makes a member join through Akka.Management's Cluster Bootstrap
/// instead of seed nodes: config discovery of the contact points (or the deployment's own
/// <c>akka.discovery</c> method), the member's management endpoint (<see cref="BootstrapEndpoint"/>)
/// on the cluster interface only, and the bootstrap itself, started with the actor system.
/// </summary>
public static class ClusterBootstrapHostingExtensions
{
    /// <summary>Adds Cluster Bootstrap as <paramref name="cluster"/> describes it (nothing when it is not enabled).</summary>
    public static AkkaConfigurationBuilder WithPoetryClusterBootstrap(this AkkaConfigurationBuilder builder, PoetryClusterSettings cluster)
    {
        if (!cluster.Bootstrap.Enabled)
        {
            return builder;
        }

        builder.WithPoetryBootstrapDiscovery(cluster.Bootstrap);
        return builder.AddStartup(async (system, _) =>
        {
            var endpoint = await BootstrapEndpoint.StartAsync(cluster.Hostname, cluster.PublicHostname, cluster.Bootstrap.ManagementPort);
            await StartAsync(system, endpoint);
        });
    }

    /// <summary>The discovery and bootstrap settings alone (no endpoint, not started): for members started by hand, as tests do.</summary>
    public static AkkaConfigurationBuilder WithPoetryBootstrapDiscovery(this AkkaConfigurationBuilder builder, ClusterBootstrapSettings settings)
    {
        if (settings.Discovery == ClusterBootstrapSettings.ConfigDiscovery)
        {
            builder.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
            {
                Services = [new Service { Name = settings.ServiceName, Endpoints = settings.ContactPoints.Select(p => p.ToString()).ToArray() }],
            });
        }
        return builder.WithClusterBootstrap(options =>
        {
            options.NewClusterEnabled = settings.NewClusterEnabled;
            options.ContactPointDiscovery.ServiceName = settings.ServiceName;
            options.ContactPointDiscovery.DiscoveryMethod = settings.Discovery;
            options.ContactPointDiscovery.RequiredContactPointsNr = settings.RequiredContactPoints;
            options.ContactPointDiscovery.StableMargin = settings.StableMargin;
            options.ContactPointDiscovery.Interval = settings.DiscoveryInterval;
            // Contact points may share a host (several members on one machine), each on its own
            // management port: keep them all rather than only those on the fallback port.
            options.ContactPoint.FilterOnFallbackPort = false;
            options.ContactPoint.FallbackPort = settings.ManagementPort;
            options.ContactPoint.ProbeInterval = settings.ProbeInterval;
        }, autoStart: false);
    }

    /// <summary>
    /// Serves the probes of the other members from <paramref name="endpoint"/> and starts the
    /// bootstrap of <paramref name="system"/>, which probes theirs; the endpoint closes when the system terminates.
    /// </summary>
    public static async Task StartAsync(ActorSystem system, BootstrapEndpoint endpoint)
    {
        endpoint.Serve(system);
        system.RegisterOnTermination(() => endpoint.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)));
        var bootstrap = ClusterBootstrap.Get(system);
        // Tells the bootstrap its own contact point, as Akka.Management does when it binds its routes.
        bootstrap.Routes(ManagementRouteProviderSettings.Create(endpoint.SelfUri, readOnly: true));
        await bootstrap.Start();
    }
}
