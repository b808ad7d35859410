using Akka.Configuration;
using PoetryActors.Configuration;

namespace PoetryActors.Services;

/// <summary>
/// Timeouts and restart back-off of service collections, read from <c>poetry.services</c>
/// (see the library's reference.conf). Validated at creation.
/// </summary>
public sealed record ServiceCollectionSettings
{
    public ServiceCollectionSettings(TimeSpan startTimeout, TimeSpan stopTimeout, TimeSpan minBackoff, TimeSpan maxBackoff, TimeSpan resetBackoffAfter)
    {
        Require(startTimeout > TimeSpan.Zero, "start-timeout", "must be more than zero");
        Require(stopTimeout > TimeSpan.Zero, "stop-timeout", "must be more than zero");
        Require(minBackoff > TimeSpan.Zero, "restart-backoff.min", "must be more than zero");
        Require(maxBackoff >= minBackoff, "restart-backoff.max", "must not be below restart-backoff.min");
        StartTimeout = startTimeout;
        StopTimeout = stopTimeout;
        MinBackoff = minBackoff;
        MaxBackoff = maxBackoff;
        ResetBackoffAfter = resetBackoffAfter;
    }

    /// <summary>How long a collection waits for one child to answer a start.</summary>
    public TimeSpan StartTimeout { get; }

    /// <summary>How long a collection waits for one child to answer a stop before it cuts the child off.</summary>
    public TimeSpan StopTimeout { get; }

    /// <summary>The delay before the first restart of a crashed service; it doubles with each crash.</summary>
    public TimeSpan MinBackoff { get; }

    /// <summary>The longest delay between restarts.</summary>
    public TimeSpan MaxBackoff { get; }

    /// <summary>A service that ran this long since its last restart starts again from <see cref="MinBackoff"/>.</summary>
    public TimeSpan ResetBackoffAfter { get; }

    /// <summary>The defaults of reference.conf.</summary>
    public static ServiceCollectionSettings Default { get; } = Create(PoetryConfig.Reference);

    /// <summary>Reads <c>poetry.services</c> from a configuration that includes the reference defaults.</summary>
    public static ServiceCollectionSettings Create(Config config)
    {
        var reader = new SettingsReader(config, "poetry.services");
        var start = reader.Duration("start-timeout");
        var stop = reader.Duration("stop-timeout");
        var min = reader.Duration("restart-backoff.min");
        var max = reader.Duration("restart-backoff.max");
        var resetAfter = reader.Duration("restart-backoff.reset-after", positive: false);
        reader.Require(max >= min, "restart-backoff.max", $"must not be below restart-backoff.min ({min.TotalSeconds:0.###} s), got {max.TotalSeconds:0.###} s");
        reader.ThrowIfInvalid();
        return new ServiceCollectionSettings(start, stop, min, max, resetAfter);
    }

    /// <summary>The delay before restart number <paramref name="attempt"/> (1 for the first).</summary>
    public TimeSpan BackoffFor(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var ticks = Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    private static void Require(bool condition, string key, string message)
    {
        if (!condition)
        {
            throw new SettingsException([new SettingProblem("poetry.services." + key, message)]);
        }
    }
}
