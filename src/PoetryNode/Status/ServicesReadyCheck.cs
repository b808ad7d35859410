using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PoetryNode.Status;

/// <summary>
/// Readiness: every service of the node has started and none is down (stopped, or waiting to be
/// restarted after a crash). Unhealthy while the node starts (so <c>/readyz</c> answers 503 until
/// the last port is bound), while it stops, and while any service is not running, naming it.
/// </summary>
internal sealed class ServicesReadyCheck(ServiceTreeReader tree) : IHealthCheck
{
    /// <summary>The check's name in <c>/readyz</c> and <c>/status.json</c>.</summary>
    public const string Name = "poetry-services";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (state, services) = await tree.ReadAsync(cancellationToken);
        if (state != "running")
        {
            return HealthCheckResult.Unhealthy(state == "busy" ? "the services are starting or stopping" : "the services are not running");
        }

        var down = ServiceTreeReader.Flatten(services).Where(s => s.State != "running").Select(s => $"{s.Path} is {s.State}").ToList();
        return down.Count == 0
            ? HealthCheckResult.Healthy($"{services.Count} services running")
            : HealthCheckResult.Unhealthy(string.Join("; ", down));
    }
}
