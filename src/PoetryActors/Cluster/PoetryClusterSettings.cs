using System.Collections.Immutable;
using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using PoetryActors.Cluster.Bootstrap;
using PoetryActors.Kinds;

namespace PoetryActors.Cluster;

/// <summary>
/// How a node joins an Akka.Cluster, read from <c>poetry.cluster</c> (defaults in the library's
/// reference.conf): the interface and port remoting binds and advertises, the public host name,
/// the seed nodes (<c>HOST:PORT</c>), the roles, the split-brain resolver's and the failure
/// detector's timings, the frame size, and the catalog's <see cref="CatalogSettings"/>. Validated
/// at creation: every problem names its key, and unknown keys are refused. Whether a node is a
/// member at all is the deployment's choice (its own <c>poetry.cluster</c> section), not a setting.
/// </summary>
public sealed record PoetryClusterSettings
{
    /// <summary>The keys <c>poetry.cluster</c> may hold (nested ones with their section).</summary>
    private static readonly ImmutableHashSet<string> KnownKeys = ImmutableHashSet.Create(
        "hostname", "port", "public-hostname", "seed-nodes", "roles",
        "split-brain.stable-after",
        "failure-detector.acceptable-heartbeat-pause", "failure-detector.heartbeat-interval",
        "maximum-frame-size",
        "catalog.max-chunk-bytes", "catalog.max-node-bytes", "catalog.republish-interval", "catalog.sweep-interval",
        "catalog.gossip-interval", "catalog.max-delta-elements",
        "transforms.part-bytes", "transforms.max-poem-bytes", "transforms.refresh-interval")
        .Union(ClusterBootstrapSettings.Keys.Select(k => "bootstrap." + k));

    /// <summary>The name of every member's actor system: members of one cluster must share it.</summary>
    public const string SystemName = "poetry";

    /// <summary>The interface remoting binds and advertises.</summary>
    public required string Hostname { get; init; }

    /// <summary>The remoting port; 0 for any free port.</summary>
    public required int Port { get; init; }

    /// <summary>The host other machines reach this node on; <see cref="Hostname"/> when none was given.</summary>
    public required string PublicHostname { get; init; }

    /// <summary>The members to join first.</summary>
    public required IReadOnlyList<NetAddress> SeedNodes { get; init; }

    /// <summary>This node's roles.</summary>
    public required IReadOnlyList<string> Roles { get; init; }

    /// <summary>How long the membership must be stable before the split-brain resolver downs the minority.</summary>
    public required TimeSpan StableAfter { get; init; }

    /// <summary>How long heartbeats may be missing before a member is unreachable.</summary>
    public required TimeSpan AcceptableHeartbeatPause { get; init; }

    /// <summary>How often members send heartbeats.</summary>
    public required TimeSpan HeartbeatInterval { get; init; }

    /// <summary>The largest message between members, in bytes.</summary>
    public required int MaximumFrameSize { get; init; }

    /// <summary>The catalog's limits and timings.</summary>
    public required CatalogSettings Catalog { get; init; }

    /// <summary>How the member finds the cluster without seed nodes (Cluster Bootstrap), when enabled.</summary>
    public required ClusterBootstrapSettings Bootstrap { get; init; }

    /// <summary>The seed nodes as Akka addresses of the <see cref="SystemName"/> system.</summary>
    public IReadOnlyList<string> SeedAddresses => SeedNodes.Select(s => $"akka.tcp://{SystemName}@{s}").ToList();

    /// <summary>The defaults of reference.conf.</summary>
    public static PoetryClusterSettings Default => Create(PoetryConfig.Reference);

    /// <summary>Reads <c>poetry.cluster</c> from <paramref name="config"/> on top of the reference defaults.</summary>
    /// <exception cref="ConfigurationException">A value is missing, malformed, out of range, or a key is unknown; the message names it.</exception>
    public static PoetryClusterSettings Create(Config? config)
    {
        var (settings, problems) = Read(config);
        if (problems.Count > 0)
        {
            throw new ConfigurationException(string.Join("; ", problems.Select(p => $"{p.Key}: {p.Message}")));
        }

        return settings;
    }

    /// <summary>
    /// Every problem of <c>poetry.cluster</c> in <paramref name="config"/>, each with its full key
    /// (<c>poetry.cluster.seed-nodes[1]</c>) and what is wrong; empty when the section is valid.
    /// </summary>
    public static IReadOnlyList<(string Key, string Message)> Check(Config? config) => Read(config).Problems;

    private static (PoetryClusterSettings Settings, IReadOnlyList<(string Key, string Message)> Problems) Read(Config? config)
    {
        var whole = PoetryConfig.WithDefaults(config);
        var c = whole.GetConfig("poetry.cluster");
        var problems = new List<string>();
        foreach (var key in LeafKeys(c.Root, "").Where(k => !KnownKeys.Contains(k)))
        {
            problems.Add($"poetry.cluster.{key}: unknown key (known: {string.Join(", ", KnownKeys.Order(StringComparer.Ordinal))})");
        }

        var hostname = Text(c, "hostname", problems);
        if (hostname.Length == 0)
        {
            problems.Add("poetry.cluster.hostname: must name an interface, such as 127.0.0.1");
        }

        var port = Integer(c, "port", 0, 65535, problems);
        var publicHostname = Text(c, "public-hostname", problems);

        var seeds = new List<NetAddress>();
        foreach (var (text, i) in List(c, "seed-nodes", problems).Select((t, i) => (t, i)))
        {
            if (!text.Contains(':'))
            {
                problems.Add($"poetry.cluster.seed-nodes[{i}]: '{text}' is not HOST:PORT");
            }
            else if (NetAddress.TryParse(text, out var seed, out var error))
            {
                seeds.Add(seed);
            }
            else
            {
                problems.Add($"poetry.cluster.seed-nodes[{i}]: {error}");
            }
        }

        var roles = List(c, "roles", problems);
        foreach (var role in roles.Where(r => r.Length == 0 || r.Any(ch => char.IsWhiteSpace(ch) || ch == ',')))
        {
            problems.Add($"poetry.cluster.roles: '{role}' is not a role name (letters, digits, '-')");
        }

        var settings = new PoetryClusterSettings
        {
            Hostname = hostname,
            Port = port,
            PublicHostname = publicHostname.Length > 0 ? publicHostname : hostname,
            SeedNodes = seeds,
            Roles = roles,
            StableAfter = Duration(c, "split-brain.stable-after", problems),
            AcceptableHeartbeatPause = Duration(c, "failure-detector.acceptable-heartbeat-pause", problems),
            HeartbeatInterval = Duration(c, "failure-detector.heartbeat-interval", problems),
            MaximumFrameSize = (int)Bytes(c, "maximum-frame-size", 32 * 1024, int.MaxValue, problems),
            Catalog = new CatalogSettings
            {
                MaxChunkBytes = (int)Bytes(c, "catalog.max-chunk-bytes", 1024, int.MaxValue, problems),
                MaxNodeBytes = Bytes(c, "catalog.max-node-bytes", 1024, long.MaxValue, problems),
                RepublishInterval = Duration(c, "catalog.republish-interval", problems),
                SweepInterval = Duration(c, "catalog.sweep-interval", problems),
                GossipInterval = Duration(c, "catalog.gossip-interval", problems),
                MaxDeltaElements = Integer(c, "catalog.max-delta-elements", 1, 10_000, problems),
            },
            Bootstrap = ClusterBootstrapSettings.Read(c, whole, seeds, problems),
        };
        if (problems.Count == 0 && (long)settings.Catalog.MaxChunkBytes * settings.Catalog.MaxDeltaElements > settings.MaximumFrameSize - 64 * 1024)
        {
            problems.Add($"poetry.cluster.catalog: max-chunk-bytes × max-delta-elements ({(long)settings.Catalog.MaxChunkBytes * settings.Catalog.MaxDeltaElements}) must leave 64 KiB under maximum-frame-size ({settings.MaximumFrameSize}): a gossip message carries that many chunks");
        }

        problems.AddRange(Transforms.ClusterTransformSettings.Check(config).Select(p => $"{p.Key}: {p.Message}"));
        // Every problem above was written "poetry.cluster.KEY: message".
        return (settings, problems.Select(p => p.Split(": ", 2)).Select(p => (p[0], p[1])).ToList());
    }

    /// <summary>Every leaf key under <paramref name="value"/>, dotted (<c>catalog.max-chunk-bytes</c>).</summary>
    private static IEnumerable<string> LeafKeys(HoconValue value, string prefix)
    {
        if (!value.IsObject())
        {
            return prefix.Length == 0 ? [] : [prefix];
        }

        var items = value.GetObject().Items;
        // An object that is a known leaf's parent is walked; any other object is a leaf of its own (and unknown).
        return items.SelectMany(kv => LeafKeys(kv.Value, prefix.Length == 0 ? kv.Key : $"{prefix}.{kv.Key}"));
    }

    internal static string Text(Config c, string key, List<string> problems)
    {
        try
        {
            return c.GetString(key, "")?.Trim() ?? "";
        }
        catch (Exception e)
        {
            problems.Add($"poetry.cluster.{key}: {e.Message}");
            return "";
        }
    }

    internal static int Integer(Config c, string key, int min, int max, List<string> problems)
    {
        var text = Text(c, key, problems);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"poetry.cluster.{key}: expected a whole number from {min} to {max} but got '{text}'");
        return min;
    }

    internal static IReadOnlyList<string> List(Config c, string key, List<string> problems)
    {
        var value = c.GetValue(key);
        if (value is null)
        {
            return [];
        }

        if (value.IsArray())
        {
            return value.GetArray().Where(v => v.Values.Count > 0).Select(v => v.GetString().Trim()).ToList();
        }
        // Akka's HOCON reads [] as no list at all (as DeploymentLoader notes): an empty list.
        if (value.Values.Any(v => v is HoconArray) && value.Values.All(v => v is HoconArray || (v.IsString() && string.IsNullOrWhiteSpace(v.GetString()))))
        {
            return [];
        }

        problems.Add($"poetry.cluster.{key}: must be a list, such as [\"127.0.0.1:4053\"]");
        return [];
    }

    internal static TimeSpan Duration(Config c, string key, List<string> problems)
    {
        var text = Text(c, key, problems);
        if (OptionValueParser.TryParseDuration(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        problems.Add($"poetry.cluster.{key}: expected a positive duration such as 500ms, 2s or 1m but got '{text}'");
        return TimeSpan.FromSeconds(1);
    }

    internal static bool Flag(Config c, string key, List<string> problems)
    {
        var text = Text(c, key, problems);
        switch (text.ToLowerInvariant())
        {
            case "on" or "true" or "yes":
                return true;
            case "off" or "false" or "no":
                return false;
            default:
                problems.Add($"poetry.cluster.{key}: expected on or off but got '{text}'");
                return false;
        }
    }

    private static long Bytes(Config c, string key, long min, long max, List<string> problems)
    {
        long? value = null;
        try
        {
            value = c.GetByteSize(key);
        }
        catch (Exception)
        {
            // Reported below with the key and the text.
        }
        if (value is { } bytes && bytes >= min && bytes <= max)
        {
            return bytes;
        }

        problems.Add($"poetry.cluster.{key}: expected a size from {min} bytes (such as 65536, 64KiB or 4MiB) but got '{Text(c, key, problems)}'");
        return min;
    }
}

/// <summary>
/// The catalog's limits and timings (<c>poetry.cluster.catalog</c>): the size of one replicated
/// chunk and of one node's whole entry, how often a node republishes its services and the oldest
/// member sweeps out the entries of members that are gone, and the replicas' gossip.
/// </summary>
public sealed record CatalogSettings
{
    /// <summary>The largest serialized chunk of one node's entry, in bytes.</summary>
    public required int MaxChunkBytes { get; init; }

    /// <summary>The largest serialized entry of one node (all its chunks), in bytes.</summary>
    public required long MaxNodeBytes { get; init; }

    /// <summary>How often a node re-reads its running services.</summary>
    public required TimeSpan RepublishInterval { get; init; }

    /// <summary>How often the oldest member removes the entries of members that are gone.</summary>
    public required TimeSpan SweepInterval { get; init; }

    /// <summary>How often the replicas gossip.</summary>
    public required TimeSpan GossipInterval { get; init; }

    /// <summary>How many keys one gossip message may carry.</summary>
    public required int MaxDeltaElements { get; init; }
}
