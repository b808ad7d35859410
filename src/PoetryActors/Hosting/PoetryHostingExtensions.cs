using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PoetryActors.Deployment;
using PoetryActors.Services;

namespace PoetryActors.Hosting;

/// <summary>
/// Akka.Hosting builders for a poetry node: <see cref="WithPoetryNode"/> adds the deployment's
/// settings and the root service collection (<c>/user/node</c>); <see cref="WithPoetryDownloads"/>
/// adds the client side's parent of aggregations (<c>/user/downloads</c>);
/// <see cref="AddPoetryNodeLifetime"/> starts and stops the services with the host.
/// </summary>
public static class PoetryHostingExtensions
{
    /// <summary>
    /// Adds the deployment's configuration (last, so the operator's file wins over every default)
    /// and creates the root collection of its services, registered as <see cref="PoetryNodeRoot"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithPoetryNode(this AkkaConfigurationBuilder builder, NodeDeployment deployment)
    {
        builder.AddHocon(deployment.Config, HoconAddMode.Prepend);
        return builder.WithActors((system, registry) =>
        {
            var node = system.ActorOf(
                ServiceCollectionActor.Props(deployment.ToServiceSpecs(), deployment.ServiceCollectionSettings), "node");
            registry.Register<PoetryNodeRoot>(node);
        });
    }

    /// <summary>
    /// Creates <c>/user/downloads</c>, the parent of the client's aggregators (one per request, each
    /// with a downloader per address), registered as <see cref="PoetryDownloads"/>; pass its ref to
    /// <c>PoetryClient.AllSettledAsync</c>.
    /// </summary>
    public static AkkaConfigurationBuilder WithPoetryDownloads(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) => registry.Register<PoetryDownloads>(PoetryDownloads.Create(system)));

    /// <summary>Starts the node's services when the host starts and stops them, in reverse, when it stops.</summary>
    public static IServiceCollection AddPoetryNodeLifetime(this IServiceCollection services) =>
        services.AddHostedService<NodeLifetimeService>();
}
