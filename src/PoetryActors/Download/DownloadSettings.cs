using Akka.Configuration;
using PoetryActors.Configuration;
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
    // Declared before Default, which is built from it: reference.conf holds the one default.
    private static readonly string ReferenceTransformName = PoetryConfig.Reference.GetString("poetry.download.transform");

    private readonly string _transformName = ReferenceTransformName;

    /// <summary>Settings with <paramref name="limits"/>, no transform server, and reference.conf's transform name.</summary>
    public DownloadSettings(FetchLimits limits)
    {
        Limits = limits;
    }

    /// <summary>The defaults of reference.conf.</summary>
    public static DownloadSettings Default { get; } = Create();

    /// <summary>The connect timeout, idle timeout, deadline and largest poem of each download.</summary>
    public FetchLimits Limits { get; init; }

    /// <summary>
    /// How many downloads of one request may be in flight at once; the others wait for a place.
    /// <c>poetry.download.max-in-flight = 0</c> chooses it from the process's open-files limit
    /// (<c>ulimit -n</c>), so that a request of thousands of addresses never runs out of descriptors.
    /// </summary>
    public int MaxInFlight
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInFlight), value, "max-in-flight must be at least 1");
    } = OpenFileLimit.DefaultMaxInFlight();

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
    /// <exception cref="SettingsException">Values are missing or invalid; each problem names its key.</exception>
    public static DownloadSettings Create(Config? config = null)
    {
        var withDefaults = PoetryConfig.WithDefaults(config);
        var reader = new SettingsReader(withDefaults, "poetry.download");
        var xform = reader.Text("xform").Trim();
        NetAddress? server = null;
        if (xform.Length > 0)
        {
            if (NetAddress.TryParse(xform, out var address, out var error))
            {
                server = address;
            }
            else
            {
                reader.Require(false, "xform", error);
            }
        }
        var name = reader.Text("transform");
        // 0 chooses the bound from the process's open-files limit.
        var maxInFlight = (int)reader.Integer("max-in-flight", 0, int.MaxValue);
        reader.Require(!string.IsNullOrWhiteSpace(name) && !name.Contains('.'), "transform",
            $"{Excerpt.Quote(name)} is not a transform name (a non-empty name without '.')");

        // Every key of the section in one report: the limits' problems with these.
        var problems = new List<SettingProblem>();
        FetchLimits? limits = null;
        try
        {
            limits = FetchLimits.Create(withDefaults);
        }
        catch (SettingsException e)
        {
            problems.AddRange(e.Problems);
        }
        try
        {
            reader.ThrowIfInvalid();
        }
        catch (SettingsException e)
        {
            problems.AddRange(e.Problems);
        }
        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }

        var settings = new DownloadSettings(limits!) { TransformServer = server, TransformName = name };
        return maxInFlight > 0 ? settings with { MaxInFlight = maxInFlight } : settings;
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
