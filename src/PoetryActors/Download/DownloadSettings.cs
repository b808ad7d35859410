using Akka.Configuration;
using PoetryActors.Kinds;

namespace PoetryActors.Download;

/// <summary>
/// How the client downloads poems: the <see cref="FetchLimits"/> of every download, and the
/// transform server (<see cref="TransformServer"/>, none by default) with the transform to ask it
/// for (<see cref="TransformName"/>, <c>cummingsify</c> by default). Read from
/// <c>poetry.download</c> (reference.conf holds the defaults); the command line overrides it with
/// <c>with</c>. Immutable and validated at creation.
/// </summary>
public sealed record DownloadSettings
{
    private readonly string _transformName = "cummingsify";

    /// <summary>Settings with <paramref name="limits"/> and no transform.</summary>
    public DownloadSettings(FetchLimits limits)
    {
        Limits = limits;
    }

    /// <summary>The defaults of reference.conf.</summary>
    public static DownloadSettings Default { get; } = Create();

    /// <summary>The connect timeout, idle timeout, deadline and largest poem of each download.</summary>
    public FetchLimits Limits { get; init; }

    /// <summary>The transform server each poem goes through, or null for none.</summary>
    public NetAddress? TransformServer { get; init; }

    /// <summary>
    /// Where poems go to be transformed when no <see cref="TransformServer"/> is given: a cluster's
    /// transform router (<c>Cluster.Transforms.TransformRouterActor</c>), or null for none. Local to one process.
    /// </summary>
    public Akka.Actor.IActorRef? TransformRouter { get; init; }

    /// <summary>The transform to ask the server for (the request is <c>&lt;name&gt;.&lt;poem&gt;</c>).</summary>
    public string TransformName
    {
        get => _transformName;
        init => _transformName = ValidTransformName(value);
    }

    /// <summary>Reads <c>poetry.download</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    /// <exception cref="ConfigurationException">A value is missing or invalid; the message names the key.</exception>
    public static DownloadSettings Create(Config? config = null)
    {
        var withDefaults = PoetryConfig.WithDefaults(config);
        var download = withDefaults.GetConfig("poetry.download");
        var xform = download.GetString("xform", "")?.Trim() ?? "";
        NetAddress? server = null;
        if (xform.Length > 0)
        {
            server = NetAddress.TryParse(xform, out var address, out var error)
                ? address
                : throw new ConfigurationException($"poetry.download.xform: {error}");
        }

        var limits = FetchLimits.Create(withDefaults);
        var name = download.GetString("transform", "cummingsify") ?? "";
        try
        {
            return new DownloadSettings(limits) { TransformServer = server, TransformName = name };
        }
        catch (ArgumentException)
        {
            throw new ConfigurationException($"poetry.download.transform: '{name}' is not a transform name (a non-empty name without '.')");
        }
    }

    private static string ValidTransformName(string name)
    {
        // The server splits the request at the first '.', so a name cannot contain one.
        if (string.IsNullOrWhiteSpace(name) || name.Contains('.'))
        {
            throw new ArgumentException($"'{name}' is not a transform name (a non-empty name without '.')", nameof(name));
        }

        return name;
    }
}
