using System.Buffers;
using System.Text.Encodings.Web;

namespace PoetryNode.Get;

/// <summary>
/// Turns UTF-8 text into a quoted JSON string byte for byte as <see cref="System.Text.Json.Utf8JsonWriter"/>
/// does with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> (what <see cref="JsonReport"/>
/// used to call for each poem), only faster: runs of ASCII the encoder leaves alone (nearly all of a
/// poem) are found with a table and copied in one go; an ASCII byte it escapes (a newline, a quote,
/// a control character) takes the escape the encoder itself gave for it, looked up; a run of
/// non-ASCII text goes to the encoder as it is. Runs end at ASCII bytes, so no character is split,
/// and every escape comes from the encoder, so the output is the writer's. The writer's own path
/// escaped a 3,000-byte poem, with its hundred newlines, one character at a time: 6% of a
/// 10,000-poem <c>get --json</c>'s CPU. The text must be valid UTF-8 (the report checks first).
/// </summary>
internal static class RelaxedJsonText
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    // What the encoder writes for each ASCII byte it escapes (null: the byte is written as it is).
    private static readonly byte[]?[] AsciiEscapes = BuildAsciiEscapes();

    // The bytes that end a run copied as it is: the ASCII the encoder escapes, and every non-ASCII byte.
    private static readonly bool[] EndsRun = BuildRunEnds();

    /// <summary>The most bytes <see cref="WriteQuoted"/> writes for <paramref name="length"/> bytes of text.</summary>
    public static int MaxQuotedLength(int length) => checked((6 * length) + 2);

    /// <summary>
    /// Writes <paramref name="utf8"/> as a JSON string, quotes included, to <paramref name="destination"/>
    /// (at least <see cref="MaxQuotedLength"/> bytes); returns the bytes written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="utf8"/> is not valid UTF-8.</exception>
    public static int WriteQuoted(ReadOnlySpan<byte> utf8, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        var written = 1;
        var start = 0;
        var i = 0;
        // Plain loops over a table: the span helpers that would do this (IndexOfAny with
        // SearchValues, array-to-span copies) are generic code the ReadyToRun image cannot hold,
        // and they ran unoptimized (tier 0) for the whole of a 10,000-poem get: 11% of its CPU.
        while (i < utf8.Length)
        {
            var b = utf8[i];
            if (!EndsRun[b])
            {
                i++;
                continue;
            }

            utf8[start..i].CopyTo(destination[written..]);
            written += i - start;
            if (b < 0x80)
            {
                var escape = AsciiEscapes[b]!;
                for (var k = 0; k < escape.Length; k++)
                {
                    destination[written++] = escape[k];
                }

                start = ++i;
                continue;
            }

            // Non-ASCII up to the next ASCII byte: whole characters, for the encoder.
            var end = i + 1;
            while (end < utf8.Length && utf8[end] >= 0x80)
            {
                end++;
            }

            var text = utf8[i..end];
            var status = Encoder.EncodeUtf8(text, destination[written..], out var consumed, out var encoded, isFinalBlock: true);
            if (status != OperationStatus.Done || consumed != text.Length)
            {
                throw new ArgumentException("the text is not valid UTF-8", nameof(utf8));
            }

            written += encoded;
            start = i = end;
        }

        utf8[start..].CopyTo(destination[written..]);
        written += utf8.Length - start;
        destination[written++] = (byte)'"';
        return written;
    }

    private static byte[]?[] BuildAsciiEscapes()
    {
        var escapes = new byte[]?[0x80];
        Span<byte> one = stackalloc byte[1];
        Span<byte> escaped = stackalloc byte[16];
        for (var b = 0; b < escapes.Length; b++)
        {
            if (!Encoder.WillEncode(b))
            {
                continue;
            }

            one[0] = (byte)b;
            Encoder.EncodeUtf8(one, escaped, out _, out var written, isFinalBlock: true);
            escapes[b] = escaped[..written].ToArray();
        }

        return escapes;
    }

    private static bool[] BuildRunEnds()
    {
        var ends = new bool[0x100];
        for (var b = 0; b < ends.Length; b++)
        {
            ends[b] = b >= 0x80 || AsciiEscapes[b] is not null;
        }

        return ends;
    }
}
