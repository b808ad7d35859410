using System.Collections.Immutable;
using Akka.Configuration;
using PoetryActors.Kinds;

namespace PoetryActors.Cluster.Bootstrap;

/// <summary>
/// How a member finds the cluster without a fixed seed list (<c>poetry.cluster.bootstrap</c>):
/// Akka.Management's Cluster Bootstrap asks an Akka.Discovery method for the contact points (the
/// members' management HTTP endpoints), probes them, and joins the cluster they report or, when
/// none has formed and enough of them agree, lets the one with the lowest address form it.
/// <c>discovery = config</c> takes the contact points from <see cref="ContactPoints"/>, a fixed
/// list standing in for DNS or Kubernetes; any other value names a method configured under
/// <c>akka.discovery</c>. The management endpoint binds the cluster interface only, on
/// <see cref="ManagementPort"/>. Read and validated with the rest of <c>poetry.cluster</c>.
/// </summary>
public sealed record ClusterBootstrapSettings
{
    /// <summary>The keys <c>poetry.cluster.bootstrap</c> may hold.</summary>
    internal static readonly ImmutableArray<string> Keys =
    [
        "enabled", "management-port", "discovery", "service-name", "contact-points",
        "required-contact-points", "stable-margin", "discovery-interval", "probe-interval", "new-cluster-enabled",
    ];

    /// <summary>The discovery method that reads <see cref="ContactPoints"/>.</summary>
    public const string ConfigDiscovery = "config";

    /// <summary>Whether the member joins through Cluster Bootstrap (and not through <c>seed-nodes</c>).</summary>
    public required bool Enabled { get; init; }

    /// <summary>The port of the management HTTP endpoint other members probe.</summary>
    public required int ManagementPort { get; init; }

    /// <summary><see cref="ConfigDiscovery"/>, or the name of a method under <c>akka.discovery</c>.</summary>
    public required string Discovery { get; init; }

    /// <summary>The service name looked up in discovery (a Kubernetes label value, a DNS name).</summary>
    public required string ServiceName { get; init; }

    /// <summary>With config discovery: every member's management endpoint, <c>HOST:PORT</c>.</summary>
    public required IReadOnlyList<NetAddress> ContactPoints { get; init; }

    /// <summary>How many contact points must be found before a new cluster may be formed.</summary>
    public required int RequiredContactPoints { get; init; }

    /// <summary>How long the contact points found must stay the same before a decision.</summary>
    public required TimeSpan StableMargin { get; init; }

    /// <summary>How often discovery is asked again.</summary>
    public required TimeSpan DiscoveryInterval { get; init; }

    /// <summary>How often each contact point is probed.</summary>
    public required TimeSpan ProbeInterval { get; init; }

    /// <summary>Whether the lowest contact point may form a new cluster when none answers with one.</summary>
    public required bool NewClusterEnabled { get; init; }

    /// <summary>
    /// Reads <c>bootstrap</c> from <paramref name="cluster"/> (the merged <c>poetry.cluster</c>
    /// section), adding each problem (<c>poetry.cluster.bootstrap.KEY: message</c>) to <paramref name="problems"/>.
    /// </summary>
    internal static ClusterBootstrapSettings Read(Config cluster, Config whole, IReadOnlyList<NetAddress> seeds, List<string> problems)
    {
        const string at = "bootstrap.";
        var enabled = PoetryClusterSettings.Flag(cluster, at + "enabled", problems);
        var discovery = PoetryClusterSettings.Text(cluster, at + "discovery", problems);
        var points = new List<NetAddress>();
        foreach (var (text, i) in PoetryClusterSettings.List(cluster, at + "contact-points", problems).Select((t, i) => (t, i)))
        {
            if (!text.Contains(':'))
            {
                problems.Add($"poetry.cluster.bootstrap.contact-points[{i}]: '{text}' is not HOST:PORT (a member's management endpoint)");
            }
            else if (NetAddress.TryParse(text, out var point, out var error))
            {
                points.Add(point);
            }
            else
            {
                problems.Add($"poetry.cluster.bootstrap.contact-points[{i}]: {error}");
            }
        }
        var settings = new ClusterBootstrapSettings
        {
            Enabled = enabled,
            ManagementPort = PoetryClusterSettings.Integer(cluster, at + "management-port", 0, 65535, problems),
            Discovery = discovery,
            ServiceName = PoetryClusterSettings.Text(cluster, at + "service-name", problems),
            ContactPoints = points,
            RequiredContactPoints = PoetryClusterSettings.Integer(cluster, at + "required-contact-points", 1, 10_000, problems),
            StableMargin = PoetryClusterSettings.Duration(cluster, at + "stable-margin", problems),
            DiscoveryInterval = PoetryClusterSettings.Duration(cluster, at + "discovery-interval", problems),
            ProbeInterval = PoetryClusterSettings.Duration(cluster, at + "probe-interval", problems),
            NewClusterEnabled = PoetryClusterSettings.Flag(cluster, at + "new-cluster-enabled", problems),
        };
        if (!enabled)
        {
            return settings;
        }

        if (seeds.Count > 0)
        {
            problems.Add("poetry.cluster.bootstrap.enabled: a member joins through seed-nodes or through bootstrap, not both; empty poetry.cluster.seed-nodes or turn bootstrap off");
        }

        if (settings.ServiceName.Length == 0)
        {
            problems.Add("poetry.cluster.bootstrap.service-name: must name the service discovery looks up, such as poetry");
        }

        if (discovery == ConfigDiscovery)
        {
            if (points.Count == 0 && problems.All(p => !p.StartsWith("poetry.cluster.bootstrap.contact-points", StringComparison.Ordinal)))
            {
                problems.Add("poetry.cluster.bootstrap.contact-points: config discovery needs the members' management endpoints, such as [\"127.0.0.1:8558\", \"127.0.0.1:8559\"]");
            }
            else if (points.Count > 0 && points.Count < settings.RequiredContactPoints)
            {
                problems.Add($"poetry.cluster.bootstrap.required-contact-points: {settings.RequiredContactPoints} are required but contact-points lists only {points.Count}, so no cluster would ever form");
            }
        }
        else if (discovery.Length == 0 || !whole.HasPath($"akka.discovery.{discovery}.class"))
        {
            problems.Add($"poetry.cluster.bootstrap.discovery: '{discovery}' is not a discovery method: use config, or configure akka.discovery.{(discovery.Length == 0 ? "NAME" : discovery)}.class (for Kubernetes: the Akka.Discovery.KubernetesApi package and kubernetes-api)");
        }
        return settings;
    }
}
