using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Tools.Client;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PoetryActors.Cluster.Bootstrap;

namespace PoetryActors.Cluster;

/// <summary>
/// Akka.Hosting builders that make a poetry node a cluster member:
/// <see cref="WithPoetryCluster"/> adds remoting on the configured interface, Akka.Cluster with
/// the seed nodes, roles and the keep-majority split-brain resolver, DistributedData's timings,
/// the cluster client receptionist, our serializer for <see cref="IPoetryClusterMessage"/>, and
/// the catalog (<c>/user/catalog</c>, registered as <see cref="PoetryCatalog"/> and with the
/// receptionist); <see cref="AddPoetryClusterLifetime"/> publishes the services once they have
/// started and, on shutdown, leaves the cluster before the services stop.
/// </summary>
public static class PoetryClusterHostingExtensions
{
    /// <summary>The name our serializer is registered under.</summary>
    public const string SerializerName = "poetry-cluster";

    /// <summary>
    /// Joins the cluster <paramref name="settings"/> describe and runs the catalog, which publishes
    /// what <paramref name="source"/> (given the actor system) describes.
    /// </summary>
    public static AkkaConfigurationBuilder WithPoetryCluster(
        this AkkaConfigurationBuilder builder, PoetryClusterSettings settings, Func<ActorSystem, LocalServiceSource> source)
    {
        builder.WithRemoting(new RemoteOptions
        {
            HostName = settings.Hostname,
            Port = settings.Port,
            PublicHostName = settings.PublicHostname,
            MaxFrameSize = settings.MaximumFrameSize,
        });
        builder.WithClustering(new ClusterOptions
        {
            Roles = settings.Roles.ToArray(),
            SeedNodes = settings.SeedAddresses.ToArray(),
            SplitBrainResolver = new KeepMajorityOption(),
        });
        // Appended: the deployment's own akka.* settings (added before, in front) still win.
        builder.AddHocon(TimingsHocon(settings), HoconAddMode.Append);
        builder.WithClusterClientReceptionist();
        // Without seed nodes: Cluster Bootstrap finds the members (nothing when it is off).
        builder.WithPoetryClusterBootstrap(settings);
        builder.WithCustomSerializer(SerializerName, [typeof(IPoetryClusterMessage)], system => new CatalogSerializer(system));
        return builder.WithActors((system, registry) =>
        {
            var catalog = system.ActorOf(CatalogActor.Props(settings.Catalog, source(system)), CatalogActor.ActorName);
            registry.Register<PoetryCatalog>(catalog);
            ClusterClientReceptionist.Get(system).RegisterService(catalog);
        });
    }

    /// <summary>
    /// Publishes the node's services once they have all started and, when the host stops, leaves
    /// the cluster (CoordinatedShutdown's cluster phases) before the services stop in order. Add it
    /// after <c>AddPoetryNodeLifetime</c>.
    /// </summary>
    public static IServiceCollection AddPoetryClusterLifetime(this IServiceCollection services)
    {
        services.AddSingleton<ClusterLifetimeService>();
        return services.AddHostedService(provider => provider.GetRequiredService<ClusterLifetimeService>());
    }

    /// <summary>The cluster's timings and limits from <paramref name="settings"/>, as Akka's HOCON.</summary>
    public static string TimingsHocon(PoetryClusterSettings settings)
    {
        string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        return $$"""
            akka.cluster {
              split-brain-resolver.stable-after = {{Ms(settings.StableAfter)}}
              failure-detector {
                acceptable-heartbeat-pause = {{Ms(settings.AcceptableHeartbeatPause)}}
                heartbeat-interval = {{Ms(settings.HeartbeatInterval)}}
              }
              distributed-data {
                gossip-interval = {{Ms(settings.Catalog.GossipInterval)}}
                max-delta-elements = {{settings.Catalog.MaxDeltaElements}}
              }
              # Our serializer, not the legacy (Newtonsoft) one, for what crosses the cluster client.
              client.use-legacy-serialization = off
            }
            """;
    }
}
