using System.Runtime.CompilerServices;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using PoetryActors.Instruments;

namespace PoetryNode.Status;

/// <summary>
/// The status endpoint's builders: <see cref="WithPoetryHealthChecks"/> gives the actor system
/// Akka.Hosting's own liveness check, and <see cref="AddPoetryStatus"/> adds, when the endpoint
/// is configured, the services' readiness check, the OpenTelemetry meter provider that exports
/// the <see cref="PoetryMeter"/> to Prometheus, and the Kestrel server. Add the status before the
/// node's lifetime (<c>AddPoetryNodeLifetime</c>), so that it answers while the services start.
/// </summary>
/// <remarks>
/// Readiness is every registered health check. A feature that has its own (the cluster: Up in the
/// cluster, through Akka.Cluster.Hosting's readiness check or <c>WithHealthCheck</c>) registers it
/// as usual, and <c>/readyz</c> and <c>poetry-node status</c> include it with no change here; a check
/// tagged <c>liveness</c> also counts for <c>/healthz</c>.
/// </remarks>
internal static class StatusHostingExtensions
{
    /// <summary>Adds Akka.Hosting's actor system liveness check (tagged for <c>/healthz</c>).</summary>
    public static AkkaConfigurationBuilder WithPoetryHealthChecks(this AkkaConfigurationBuilder builder) =>
        builder.WithActorSystemLivenessCheck(tags: [StatusEndpoints.LivenessTag, "akka"]);

    /// <summary>Adds the status endpoint of <paramref name="settings"/>; nothing at all when it is off.</summary>
    public static IServiceCollection AddPoetryStatus(this IServiceCollection services, StatusSettings settings)
    {
        return settings.Enabled ? AddEnabledStatus(services, settings) : services;
    }

    // Apart, so that a node without a status endpoint never loads OpenTelemetry and the health
    // checks: the JIT resolves every type a method names when it compiles that method, even on a
    // branch that is not taken (measured: OpenTelemetry's four assemblies, about 0.5 MB mapped
    // and the JIT's code for them, in every idle node).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IServiceCollection AddEnabledStatus(IServiceCollection services, StatusSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<ServiceTreeReader>();
        services.AddSingleton(new RecentWarnings(settings.RecentWarnings));
        services.AddSingleton<StatusReport>();
        services.AddHealthChecks().AddCheck<ServicesReadyCheck>(ServicesReadyCheck.Name, tags: ["ready"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("poetry-node"))
            .WithMetrics(metrics => metrics
            .AddMeter(PoetryMeter.Name)
            // Every scrape reads the counters afresh: they are cheap to read, and a cached answer
            // would hide the poems of the last few hundred milliseconds from a test or an operator.
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddHostedService<StatusServer>();
        return services;
    }
}
