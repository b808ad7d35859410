using System.Globalization;
using Akka.Configuration;
using PoetryActors.Files;

namespace PoetryActors.Configuration;

/// <summary>
/// Reads the keys of one settings section (<c>poetry.download</c>) and checks each one, noting
/// every problem with the full key and a reason in words instead of the parser's exception text
/// (<c>poetry.download.idle-timeout: expected a duration such as 2s, got 'banana'</c>). A settings
/// class reads all its keys, then calls <see cref="ThrowIfInvalid"/>, so all problems of a
/// section are reported at once. A value read with a problem is a harmless placeholder.
/// </summary>
internal sealed class SettingsReader
{
    private readonly Config _section;
    private readonly List<SettingProblem> _problems = [];

    /// <summary>A reader of <paramref name="section"/> in <paramref name="config"/>, on top of reference.conf.</summary>
    public SettingsReader(Config? config, string section)
    {
        Section = section;
        _section = PoetryConfig.WithDefaults(config).GetConfig(section) ?? Config.Empty;
    }

    /// <summary>The section's path, such as <c>poetry.download</c>.</summary>
    public string Section { get; }

    /// <summary>A duration (<c>2s</c>, <c>700ms</c>); <paramref name="positive"/> refuses zero, and negatives are always refused.</summary>
    public TimeSpan Duration(string key, bool positive = true)
    {
        if (Scalar(key, "a duration such as 2s") is not { } text)
        {
            return TimeSpan.FromSeconds(1);
        }

        TimeSpan value;
        try
        {
            value = _section.GetTimeSpan(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or ArgumentException)
        {
            return Problem(key, $"expected a duration such as 2s, got {Excerpt.Quote(text)}", TimeSpan.FromSeconds(1));
        }
        if (value < TimeSpan.Zero)
        {
            return Problem(key, $"expected a duration of zero or more, got {Excerpt.Quote(text)}", TimeSpan.FromSeconds(1));
        }

        if (positive && value == TimeSpan.Zero)
        {
            return Problem(key, $"must be more than zero, got {Excerpt.Quote(text)}", TimeSpan.FromSeconds(1));
        }

        return value;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public long Integer(string key, long min, long max)
    {
        if (Scalar(key, "a whole number") is not { } text)
        {
            return min;
        }

        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return Problem(key, $"expected a whole number, got {Excerpt.Quote(text)}", min);
        }

        if (value < min || value > max)
        {
            return Problem(key, $"expected a whole number from {min} to {max}, got {value}", min);
        }

        return value;
    }

    /// <summary>A size in bytes: a number, or with a unit as HOCON writes them (<c>64MiB</c>, <c>1m</c>).</summary>
    public long Bytes(string key, long min, long max)
    {
        if (Scalar(key, "a size such as 1048576 or 64MiB") is not { } text)
        {
            return min;
        }

        long? value;
        try
        {
            value = _section.GetByteSize(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or ArgumentException)
        {
            value = null;
        }
        if (value is not { } bytes)
        {
            return Problem(key, $"expected a size such as 1048576 or 64MiB, got {Excerpt.Quote(text)}", min);
        }

        if (bytes < min || bytes > max)
        {
            return Problem(key, $"expected a size from {RegularFile.Size(min)} to {RegularFile.Size(max)}, got {Excerpt.Quote(text)}", min);
        }

        return bytes;
    }

    /// <summary>A text value (empty when the key is set to <c>""</c>).</summary>
    public string Text(string key) => Scalar(key, "a text value") ?? "";

    /// <summary>Notes a problem with <paramref name="key"/> unless <paramref name="condition"/> holds.</summary>
    public void Require(bool condition, string key, string message)
    {
        if (!condition)
        {
            _problems.Add(new SettingProblem($"{Section}.{key}", message));
        }
    }

    /// <summary>Throws <see cref="SettingsException"/> listing every problem noted, if there is one.</summary>
    public void ThrowIfInvalid()
    {
        if (_problems.Count > 0)
        {
            throw new SettingsException(_problems.ToList());
        }
    }

    private string? Scalar(string key, string expected)
    {
        var value = _section.HasPath(key) ? _section.GetValue(key) : null;
        if (value is null)
        {
            return Problem<string?>(key, $"missing: expected {expected}", null);
        }

        if (!value.IsString())
        {
            return Problem<string?>(key, $"expected {expected}, got {(value.IsArray() ? "a list" : "an object")}", null);
        }

        return value.GetString();
    }

    private T Problem<T>(string key, string message, T placeholder)
    {
        _problems.Add(new SettingProblem($"{Section}.{key}", message));
        return placeholder;
    }
}
