using System.Globalization;

namespace PoetryActors.Kinds;

/// <summary>
/// Turns the text of an option's value, from a command-line flag or a HOCON key, into its typed
/// value, or into a precise reason it cannot be one. Files are resolved and checked here, so a
/// deployment with a missing poem is refused before anything starts.
/// </summary>
public static class OptionValueParser
{
    /// <summary>Parses <paramref name="text"/> as <paramref name="option"/>'s type.</summary>
    public static bool TryParse(KindOption option, string text, out object value, out string error)
    {
        value = null!;
        error = "";
        switch (option.Type)
        {
            case OptionType.Text:
                value = text;
                return true;
            case OptionType.File:
                if (ResolveFile(text) is { } path)
                {
                    value = path;
                    return true;
                }
                error = $"file not found: {text}";
                return false;
            case OptionType.Port:
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
                {
                    value = port;
                    return true;
                }
                error = $"expected a port from 0 to 65535 but got '{text}'";
                return false;
            case OptionType.Integer:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    && number >= option.Min && number <= option.Max && number is >= int.MinValue and <= int.MaxValue)
                {
                    value = (int)number;
                    return true;
                }
                error = $"expected a whole number from {option.Min} to {option.Max} but got '{text}'";
                return false;
            case OptionType.Duration:
                if (TryParseDuration(text, out var duration))
                {
                    value = duration;
                    return true;
                }
                error = $"expected a duration such as 0.7, 700ms, 2s or 1m but got '{text}'";
                return false;
            case OptionType.Address:
                if (NetAddress.TryParse(text, out var address, out error))
                {
                    value = address;
                    return true;
                }
                return false;
            default:
                error = $"unknown option type {option.Type}";
                return false;
        }
    }

    /// <summary>
    /// A duration in seconds (<c>0.7</c>) or with a unit (<c>ms</c>, <c>s</c>, <c>m</c>);
    /// zero and positive only.
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        var (digits, scale) =
            text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001) :
            text.EndsWith('s') ? (text[..^1], 1.0) :
            text.EndsWith('m') ? (text[..^1], 60.0) :
            (text, 1.0);
        if (!double.TryParse(digits.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || !double.IsFinite(amount) || amount * scale > TimeSpan.MaxValue.TotalSeconds / 2)
            return false;
        duration = TimeSpan.FromSeconds(amount * scale);
        return true;
    }

    /// <summary>
    /// The path of an existing file: as given (relative to the working directory, as twistd does),
    /// else relative to the executable's folder, which ships the poems; null when neither exists.
    /// </summary>
    public static string? ResolveFile(string path)
    {
        if (File.Exists(path)) return path;
        if (Path.IsPathRooted(path)) return null;
        var beside = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(beside) ? beside : null;
    }
}
