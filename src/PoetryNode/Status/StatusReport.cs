using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PoetryActors.Instruments;
using PoetryNode.Hosting;

namespace PoetryNode.Status;

/// <summary>
/// Puts <see cref="NodeStatus"/> together: the health checks (all of them: the readiness
/// verdict), the service tree with its counters, the downloads, the recent warnings, and the
/// cluster when a source for it is registered.
/// </summary>
internal sealed class StatusReport(
    HealthCheckService health,
    ServiceTreeReader tree,
    RecentWarnings warnings,
    DeploymentSource source,
    IEnumerable<IClusterStatusSource> cluster)
{
    private static readonly DateTimeOffset StartedAt = new(Process.GetCurrentProcess().StartTime.ToUniversalTime());

    private static readonly string Version =
        typeof(StatusReport).Assembly.GetName().Version?.ToString(3) ?? "?";

    /// <summary>snake_case JSON, as the rest of poetry-node's JSON (<c>get --json</c>).</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = false,
    };

    public async Task<NodeStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        var (_, services) = await tree.ReadAsync(cancellationToken);
        ClusterStatus? clusterStatus = null;
        foreach (var member in cluster)
        {
            clusterStatus ??= await member.ReadAsync(cancellationToken);
        }

        return new NodeStatus(
            new NodeSummary(source.Name, Environment.ProcessId, StartedAt, (DateTimeOffset.UtcNow - StartedAt).TotalSeconds, Version),
            report.Status == HealthStatus.Healthy,
            Checks(report),
            services,
            ServiceTreeReader.Sum(services),
            DownloadInstruments.Counts.OrderBy(d => d.Key, StringComparer.Ordinal).ToDictionary(d => d.Key, d => d.Value),
            warnings.Snapshot(),
            clusterStatus);
    }

    /// <summary>Each check of <paramref name="report"/>, by name, with its verdict in lower case.</summary>
    public static IReadOnlyList<CheckStatus> Checks(HealthReport report) =>
        report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new CheckStatus(e.Key, e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description ?? e.Value.Exception?.Message))
            .ToList();
}
