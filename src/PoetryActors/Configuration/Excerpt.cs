using System.Text;

namespace PoetryActors.Configuration;

/// <summary>
/// Text from a file or the command line as it may be shown back to an operator: short, and with
/// every control character escaped (<c>\x1b</c>), so a value that is binary or a terminal escape
/// cannot spray the terminal or the log.
/// </summary>
internal static class Excerpt
{
    /// <summary>The longest excerpt shown, in characters.</summary>
    public const int MaxLength = 40;

    /// <summary><paramref name="text"/> escaped and cut to <see cref="MaxLength"/>, in single quotes.</summary>
    public static string Quote(string text) => $"'{Short(text)}'";

    /// <summary><paramref name="text"/> escaped and cut to <paramref name="max"/> characters, with <c>...</c> when cut.</summary>
    public static string Short(string text, int max = MaxLength)
    {
        var cut = text.Length > max;
        var escaped = Escape(cut ? text[..max] : text);
        return cut ? escaped + "..." : escaped;
    }

    /// <summary>Every control character of <paramref name="text"/> (C0, DEL, C1, and the bidi overrides) as an escape.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!NeedsEscape(c))
            {
                builder.Append(c);
            }
            else if (c < 0x100)
            {
                builder.Append($"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append($"\\u{(int)c:x4}");
            }
        }
        return builder.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') or '\ufffd';
}
