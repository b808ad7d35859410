using System.Globalization;
using System.Text;

namespace PoetryActors.Transform;

/// <summary>
/// The transforms a transform server offers out of the box, gathered in
/// <see cref="TransformRegistry.Default"/>. Each is pure and deterministic, and culture-neutral
/// (the project runs with invariant globalization, whose simple case mapping still covers all of
/// Unicode).
/// </summary>
internal static class PoemTransforms
{
    /// <summary>The classic: every letter in lower case, in any script, as e. e. cummings would have it.</summary>
    public static PoemTransform Cummingsify { get; } = new(
        "cummingsify",
        "lower-cases every letter, in any script, in the manner of e. e. cummings",
        ToLowerCase);

    /// <summary>Every letter in upper case, for poems meant to be declaimed.</summary>
    public static PoemTransform Shout { get; } = new(
        "shout",
        "upper-cases every letter, for poems meant to be declaimed",
        static poem => poem.ToUpperInvariant());

    /// <summary>The lines in reverse order, each line's ending kept where it was.</summary>
    public static PoemTransform ReverseLines { get; } = new(
        "reverse-lines",
        "reads the poem from its last line to its first",
        ReverseLineOrder);

    /// <summary>Each word starting with a capital and going on in lower case.</summary>
    public static PoemTransform TitleCase { get; } = new(
        "title-case",
        "Starts Each Word With A Capital Letter",
        ToTitleCase);

    /// <summary>
    /// Lower-cases every letter with the invariant (simple, one-for-one) Unicode case mapping,
    /// then puts the final form of sigma where a capital sigma ended a word (<c>ΦΩΣ</c> gives
    /// <c>φως</c>, not <c>φωσ</c>), as Python's <c>str.lower</c> does; the simple mapping alone
    /// knows nothing of position.
    /// </summary>
    internal static string ToLowerCase(string poem)
    {
        // Most poems are ASCII, and the invariant mapping walks a string one character at a time:
        // vectorised ASCII lowering gives the same result several times faster (a hot path of the
        // transform server).
        if (Ascii.IsValid(poem))
        {
            return string.Create(poem.Length, poem, static (lower, source) => Ascii.ToLower(source, lower, out _));
        }

        return WithFinalSigmas(poem, poem.ToLowerInvariant());
    }

    /// <summary>
    /// Gives <paramref name="mapped"/>, a one-for-one case mapping of <paramref name="source"/>,
    /// a final sigma wherever a capital sigma of the source ended a word and was lowered.
    /// </summary>
    private static string WithFinalSigmas(string source, string mapped)
    {
        // A vectorised search that nearly every poem, having no capital sigma, leaves at once.
        var sigma = source.IndexOf('\u03A3');
        if (sigma < 0)
        {
            return mapped;
        }

        // The simple mapping is one UTF-16 code unit for one, so positions in both strings agree.
        var chars = mapped.ToCharArray();
        for (; sigma >= 0; sigma = source.IndexOf('\u03A3', sigma + 1))
        {
            if (chars[sigma] == '\u03C3' && EndsWord(source, sigma))
            {
                chars[sigma] = '\u03C2';
            }
        }

        return new string(chars);
    }

    /// <summary>
    /// Unicode's Final_Sigma condition, near enough: a cased letter comes before (marks and
    /// format characters between are ignored) and none comes after.
    /// </summary>
    private static bool EndsWord(string text, int index)
    {
        var before = index - 1;
        while (before >= 0 && IsCaseIgnorable(text[before]))
        {
            before--;
        }

        if (before < 0 || !IsCased(text[before]))
        {
            return false;
        }

        var after = index + 1;
        while (after < text.Length && IsCaseIgnorable(text[after]))
        {
            after++;
        }

        return after == text.Length || !IsCased(text[after]);
    }

    private static bool IsCased(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter
            or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format;

    /// <summary>
    /// Reverses the order of the lines. Line endings (<c>\n</c>, <c>\r\n</c>, <c>\r</c>) stay at
    /// their positions rather than travelling with their text, so a poem that ends with a newline
    /// still does and one that does not still does not, whichever line comes last now.
    /// </summary>
    internal static string ReverseLineOrder(string poem)
    {
        var lines = new List<Range>();
        var endings = new List<Range>();
        var start = 0;
        var i = 0;
        while (i < poem.Length)
        {
            var c = poem[i];
            if (c is not ('\n' or '\r'))
            {
                i++;
                continue;
            }

            var endingLength = c == '\r' && i + 1 < poem.Length && poem[i + 1] == '\n' ? 2 : 1;
            lines.Add(start..i);
            endings.Add(i..(i + endingLength));
            i += endingLength;
            start = i;
        }

        // Text after the last line ending is a last line without an ending of its own.
        if (start < poem.Length)
        {
            lines.Add(start..poem.Length);
            endings.Add(poem.Length..poem.Length);
        }

        var text = poem.AsSpan();
        var reversed = new StringBuilder(poem.Length);
        for (var k = 0; k < lines.Count; k++)
        {
            reversed.Append(text[lines[lines.Count - 1 - k]]);
            reversed.Append(text[endings[k]]);
        }

        return reversed.ToString();
    }

    /// <summary>
    /// Upper-cases the first letter or digit of each word and lower-cases the rest. An apostrophe
    /// inside a word keeps the word going (<c>don't</c> gives <c>Don't</c>, not <c>Don'T</c>);
    /// anything else that is not a letter or digit, hyphens included, ends it.
    /// </summary>
    internal static string ToTitleCase(string poem)
    {
        var result = new StringBuilder(poem.Length);
        Span<char> utf16 = stackalloc char[2];
        var inWord = false;
        foreach (var rune in poem.EnumerateRunes())
        {
            var output = rune;
            if (Rune.IsLetterOrDigit(rune))
            {
                output = inWord ? Rune.ToLowerInvariant(rune) : Rune.ToUpperInvariant(rune);
                inWord = true;
            }
            else if (!IsCombiningMark(rune))
            {
                // Combining marks skip this: they belong to the letter before them.
                inWord &= rune.Value is '\'' or '\u2019';
            }

            result.Append(utf16[..output.EncodeToUtf16(utf16)]);
        }

        return WithFinalSigmas(poem, result.ToString());
    }

    private static bool IsCombiningMark(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark;
}
