using System.Text.Json.Serialization;

namespace PoetryNode.Status;

/// <summary>
/// What <c>/status.json</c> answers, and what <c>poetry-node status</c> and the status page show:
/// the node, whether it is ready (and each health check), its service tree with each service's
/// kind, endpoints, state and counters, the client side's downloads, the recent warnings, and on
/// a cluster member the cluster. Everything here comes from the node itself, never from a request.
/// </summary>
internal sealed record NodeStatus(
    NodeSummary Node,
    bool Ready,
    IReadOnlyList<CheckStatus> Checks,
    IReadOnlyList<ServiceStatus> Services,
    ServiceCounters Totals,
    IReadOnlyDictionary<string, long> Downloads,
    IReadOnlyList<RecentWarning> Warnings,
    ClusterStatus? Cluster);

/// <summary>The process: where its deployment came from, its pid, when it started.</summary>
internal sealed record NodeSummary(string Deployment, int Pid, DateTimeOffset StartedAt, double UptimeSeconds, string Version);

/// <summary>One health check's verdict (<c>healthy</c>, <c>degraded</c>, <c>unhealthy</c>) and why.</summary>
internal sealed record CheckStatus(string Name, string Status, string? Description);

/// <summary>
/// One service of the tree: its name, its path under the node (the <c>service</c> label of the
/// metrics), its kind (<c>fastpoetry</c>, ...; <c>collection</c> for a nested collection), its state
/// (<c>running</c>, <c>stopped</c>, <c>restarting</c>), the addresses its listeners are bound to,
/// its counters, and its children (the parts of a kind, or a collection's services).
/// </summary>
internal sealed record ServiceStatus(
    string Name,
    string Path,
    string Kind,
    string State,
    IReadOnlyList<string> Endpoints,
    ServiceCounters? Counters,
    IReadOnlyList<ServiceStatus> Children);

/// <summary>
/// A service's counters since the process started (the same numbers as <c>/metrics</c>), and
/// which of them apply to it (<see cref="Roles"/>: <c>connections</c>, <c>poems</c>,
/// <c>transforms</c>, <c>proxy</c>).
/// </summary>
internal sealed record ServiceCounters(
    IReadOnlyList<string> Roles,
    long Accepted,
    long InFlight,
    long Poems,
    long Bytes,
    long Cut,
    long CacheHits,
    long CacheMisses,
    long UpstreamFetches,
    long UpstreamFailures,
    IReadOnlyDictionary<string, long> Transforms)
{
    /// <summary>No counts at all.</summary>
    public static ServiceCounters Zero { get; } = new([], 0, 0, 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>());
}

/// <summary>A warning (or error) the node logged: when, from which actor or part, and what it said.</summary>
internal sealed record RecentWarning(DateTimeOffset Time, string Level, string Source, string Message);

/// <summary>
/// The cluster as a member sees it (the catalog's contract): its members with their roles and
/// status, and every member's services. Filled by an <see cref="IClusterStatusSource"/>; absent on
/// a node that is not a cluster member.
/// </summary>
internal sealed record ClusterStatus(IReadOnlyList<ClusterMemberStatus> Members, IReadOnlyList<CatalogServiceStatus> Services);

/// <summary>A cluster member: its address, its roles, its status (<c>Up</c>, <c>Joining</c>, ...).</summary>
internal sealed record ClusterMemberStatus(string Address, IReadOnlyList<string> Roles, string Status);

/// <summary>One service in the cluster's catalog: on which member, its name, kind and endpoint, and for poems the poem's name, size and SHA-256.</summary>
internal sealed record CatalogServiceStatus(
    string Node, string Name, string Kind, string Endpoint,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Poem,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256);

/// <summary>
/// Where the status page and <c>/status.json</c> get the cluster from: the cluster feature
/// registers one in the host's services (<c>services.AddSingleton&lt;IClusterStatusSource, ...&gt;()</c>);
/// without one, the node is shown as a single machine.
/// </summary>
internal interface IClusterStatusSource
{
    /// <summary>The cluster now, or null when this node is not (yet) a member.</summary>
    Task<ClusterStatus?> ReadAsync(CancellationToken cancellationToken);
}
