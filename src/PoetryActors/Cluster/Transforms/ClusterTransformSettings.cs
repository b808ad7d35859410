using Akka.Configuration;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// How poems travel to the cluster's transform providers (<c>poetry.cluster.transforms</c>,
/// defaults in reference.conf): the size of one part (no message may outgrow the remote frame
/// size, 128 KB in Akka's default, so a poem goes in parts of at most this many bytes), the
/// largest poem a provider takes, and how often a member's router re-reads the catalog for
/// providers. Immutable; validated at creation, every problem naming its key.
/// </summary>
public sealed record ClusterTransformSettings
{
    // A part's own fields (request id, transform name, indexes) and the remote envelope around it.
    internal const int PartOverhead = 4 * 1024;

    /// <summary>The most poem bytes one message carries.</summary>
    public required int PartBytes { get; init; }

    /// <summary>The largest poem (and transformed poem) a provider takes, in bytes.</summary>
    public required int MaxPoemBytes { get; init; }

    /// <summary>How often a member's router asks the local catalog for the providers.</summary>
    public required TimeSpan RefreshInterval { get; init; }

    /// <summary>The defaults of reference.conf.</summary>
    public static ClusterTransformSettings Default { get; } = Create(null);

    /// <summary>Reads <c>poetry.cluster.transforms</c> from <paramref name="config"/> on top of the reference defaults.</summary>
    /// <exception cref="ConfigurationException">A value is malformed or out of range; the message names its key.</exception>
    public static ClusterTransformSettings Create(Config? config)
    {
        var problems = Check(config, out var settings);
        if (problems.Count > 0)
        {
            throw new ConfigurationException(string.Join("; ", problems.Select(p => $"{p.Key}: {p.Message}")));
        }

        return settings!;
    }

    /// <summary>Every problem of <c>poetry.cluster.transforms</c> in <paramref name="config"/>, with its full key; empty when valid.</summary>
    public static IReadOnlyList<(string Key, string Message)> Check(Config? config) => Check(config, out _);

    private static IReadOnlyList<(string Key, string Message)> Check(Config? config, out ClusterTransformSettings? settings)
    {
        var all = PoetryConfig.WithDefaults(config);
        var c = all.GetConfig("poetry.cluster.transforms");
        var problems = new List<(string, string)>();
        var frame = Size(all.GetConfig("poetry.cluster"), "maximum-frame-size", "poetry.cluster.maximum-frame-size", 32 * 1024, problems);
        var part = Size(c, "part-bytes", "poetry.cluster.transforms.part-bytes", 1024, problems);
        var max = Size(c, "max-poem-bytes", "poetry.cluster.transforms.max-poem-bytes", 0, problems);
        if (part > 0 && frame > 0 && part > frame - PartOverhead)
        {
            problems.Add(("poetry.cluster.transforms.part-bytes", $"{part} bytes do not fit a message of the maximum-frame-size ({frame} bytes) with {PartOverhead} bytes to spare"));
        }

        var refresh = TimeSpan.Zero;
        try
        {
            refresh = c.GetTimeSpan("refresh-interval", null, allowInfinite: false);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or OverflowException)
        {
            problems.Add(("poetry.cluster.transforms.refresh-interval", $"expected a duration such as 1s but got '{c.GetString("refresh-interval", "")}'"));
        }
        if (refresh <= TimeSpan.Zero && problems.Count == 0)
        {
            problems.Add(("poetry.cluster.transforms.refresh-interval", "must be more than zero"));
        }

        settings = problems.Count > 0 ? null : new ClusterTransformSettings { PartBytes = (int)part, MaxPoemBytes = (int)max, RefreshInterval = refresh };
        return problems;
    }

    private static long Size(Config c, string key, string fullKey, long min, List<(string, string)> problems)
    {
        long? value = null;
        try
        {
            value = c.GetByteSize(key);
        }
        catch (Exception)
        {
            // Reported below with the text.
        }
        if (value is { } bytes && bytes >= min && bytes <= int.MaxValue)
        {
            return bytes;
        }

        problems.Add((fullKey, $"expected a size from {min} bytes to {int.MaxValue} (such as 65536, 64KiB or 1MiB) but got '{c.GetString(key, "")}'"));
        return -1;
    }
}
