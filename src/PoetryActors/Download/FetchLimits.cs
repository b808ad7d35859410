using Akka.Configuration;
using PoetryActors.Configuration;

namespace PoetryActors.Download;

/// <summary>
/// How long and how much a poem download may take: a connect timeout, an idle timeout between
/// reads, an overall deadline (from the first step to the server's close) and a largest poem.
/// Defaults come from <c>poetry.download</c> in reference.conf; validated at creation.
/// </summary>
public sealed record FetchLimits
{
    public FetchLimits(TimeSpan connectTimeout, TimeSpan idleTimeout, TimeSpan deadline, int maxPoemBytes)
    {
        ConnectTimeout = connectTimeout;
        IdleTimeout = idleTimeout;
        Deadline = deadline;
        MaxPoemBytes = maxPoemBytes;
    }

    /// <summary>The most a download reads from its socket at a time.</summary>
    internal const int ReadSize = 16 * 1024;

    /// <summary>A duration as a failure's detail says it: <c>0.5 s</c>, <c>10 s</c>.</summary>
    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    // The checks sit in the init accessors so that a copy made with `with` is validated too.

    /// <summary>How long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; init => field = Positive(value, "connect-timeout"); }

    /// <summary>How long the server may stay silent between two reads.</summary>
    public TimeSpan IdleTimeout { get; init => field = Positive(value, "idle-timeout"); }

    /// <summary>How long the whole download may take, name resolution and connect included.</summary>
    public TimeSpan Deadline { get; init => field = Positive(value, "deadline"); }

    /// <summary>The largest poem accepted; a server that sends more fails the download.</summary>
    public int MaxPoemBytes
    {
        get;
        init
        {
            Require(value >= 0, "max-poem-bytes", "cannot be negative");
            field = value;
        }
    }

    /// <summary>The defaults of reference.conf.</summary>
    public static FetchLimits Default { get; } = Create();

    /// <summary>Reads <c>poetry.download</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    public static FetchLimits Create(Config? config = null)
    {
        var reader = new SettingsReader(config, "poetry.download");
        var connect = reader.Duration("connect-timeout");
        var idle = reader.Duration("idle-timeout");
        var deadline = reader.Duration("deadline");
        var max = reader.Bytes("max-poem-bytes", 0, int.MaxValue);
        reader.ThrowIfInvalid();
        return new FetchLimits(connect, idle, deadline, (int)max);
    }

    private static TimeSpan Positive(TimeSpan value, string key)
    {
        Require(value > TimeSpan.Zero, key, "must be more than zero");
        return value;
    }

    private static void Require(bool condition, string key, string message)
    {
        if (!condition)
        {
            throw new SettingsException([new SettingProblem("poetry.download." + key, message)]);
        }
    }
}
