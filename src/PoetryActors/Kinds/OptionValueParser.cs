using System.Globalization;
using PoetryActors.Configuration;
using PoetryActors.Files;
using PoetryActors.Server;

namespace PoetryActors.Kinds;

/// <summary>
/// Turns the text of an option's value, from a command-line flag or a HOCON key, into its typed
/// value, or into a precise reason it cannot be one. Files are resolved and read here, once
/// (a <see cref="LoadedFile"/>), so a deployment with a missing, unreadable or oversized poem is
/// refused before anything starts, and the service serves what was checked.
/// </summary>
internal static class OptionValueParser
{
    /// <summary>Parses <paramref name="text"/> as <paramref name="option"/>'s type; files are read up to the default poem limit.</summary>
    public static bool TryParse(KindOption option, string text, out object value, out string error) =>
        TryParse(option, text, PoemSettings.Default.MaxBytes, out value, out error);

    /// <summary>Parses <paramref name="text"/> as <paramref name="option"/>'s type; a file larger than <paramref name="maxFileBytes"/> is refused.</summary>
    public static bool TryParse(KindOption option, string text, long maxFileBytes, out object value, out string error)
    {
        value = null!;
        error = "";
        switch (option.Type)
        {
            case OptionType.Text:
                value = text;
                return true;
            case OptionType.File:
                var path = ResolveFile(text) ?? text;
                if (RegularFile.TryRead(path, maxFileBytes, PoemSettings.MaxBytesKey, out var contents, out error))
                {
                    value = new LoadedFile(path, contents);
                    return true;
                }
                return false;
            case OptionType.Port:
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
                {
                    value = port;
                    return true;
                }
                error = $"expected a port from 0 to 65535 but got {Excerpt.Quote(text)}";
                return false;
            case OptionType.Integer:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    && number >= option.Min && number <= option.Max && number is >= int.MinValue and <= int.MaxValue)
                {
                    value = (int)number;
                    return true;
                }
                error = $"expected a whole number from {option.Min} to {option.Max} but got {Excerpt.Quote(text)}";
                return false;
            case OptionType.Duration:
                if (TryParseDuration(text, out var duration))
                {
                    value = duration;
                    return true;
                }
                error = $"expected a duration such as 0.7, 700ms, 2s or 1m but got {Excerpt.Quote(text)}";
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
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(amount * scale);
        return true;
    }

    /// <summary>
    /// The path of something that exists (a file, or a directory, which reading then refuses with
    /// that reason): as given (relative to the working directory, as twistd does), else relative
    /// to the executable's folder, which ships the poems; null when neither exists.
    /// </summary>
    public static string? ResolveFile(string path)
    {
        if (path.Length == 0)
        {
            return null;
        }

        if (Path.Exists(path))
        {
            return path;
        }

        if (Path.IsPathRooted(path))
        {
            return null;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, path);
        return Path.Exists(beside) ? beside : null;
    }
}
