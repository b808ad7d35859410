using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using PoetryActors.Wire;

namespace PoetryActors.Transform;

/// <summary>
/// Answers one transform request, the payload of one netstring: <c>&lt;name&gt;.&lt;poem&gt;</c>,
/// split at the first <c>.</c>, with the poem in UTF-8. The answer is the UTF-8 of the transformed
/// poem, or a precise reason why there is none (no <c>.</c>, unknown transform, invalid UTF-8, a
/// transform that threw, a reply too long for the original clients) for the server to log before
/// it closes with zero bytes. Never throws on bad input. Stateless and thread-safe.
/// </summary>
internal sealed class TransformRequestProcessor
{
    // Names in error messages come from the peer: keep them short enough to log.
    private const int MaxNameInError = 64;

    // The instruments' labels: only names of known transforms are used, so a peer cannot make new series.
    internal const string NoTransform = "-", Applied = "applied", Unknown = "unknown", Invalid = "invalid", Failed = "failed";

    /// <summary>Creates a processor offering the transforms of <paramref name="registry"/>.</summary>
    /// <param name="registry">The transforms to offer.</param>
    /// <param name="maxReplyLength">
    /// The longest reply payload, in bytes, to send: a transformed poem may be longer in UTF-8
    /// than the request was, and the original clients refuse netstrings over 99,999 bytes.
    /// </param>
    public TransformRequestProcessor(TransformRegistry registry, int maxReplyLength = NetstringDecoder.DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfNegative(maxReplyLength);
        Registry = registry;
        MaxReplyLength = maxReplyLength;
    }

    /// <summary>The transforms on offer.</summary>
    public TransformRegistry Registry { get; }

    /// <summary>The longest reply payload, in bytes, this processor produces.</summary>
    public int MaxReplyLength { get; }

    /// <summary>Answers <paramref name="request"/> with the UTF-8 of the transformed poem.</summary>
    /// <param name="request">The payload of one decoded netstring.</param>
    /// <param name="reply">The reply payload (not yet framed) when this returns <c>true</c>.</param>
    /// <param name="error">Why there is no reply when this returns <c>false</c>.</param>
    public bool TryProcess(
        ReadOnlySpan<byte> request,
        [NotNullWhen(true)] out byte[]? reply,
        [NotNullWhen(false)] out string? error)
    {
        reply = null;
        if (!TryTransform(request, out var poem, out var byteCount, out error, out _))
        {
            return false;
        }

        reply = new byte[byteCount];
        Encoding.UTF8.GetBytes(poem, reply);
        return true;
    }

    /// <summary>
    /// Answers <paramref name="request"/> with the whole reply netstring, ready to write to the
    /// socket: the same as <see cref="TryProcess"/> followed by <see cref="NetstringEncoder.Encode(ReadOnlySpan{byte})"/>,
    /// but with one allocation and one copy fewer.
    /// </summary>
    /// <param name="request">The payload of one decoded netstring.</param>
    /// <param name="netstring">The framed reply when this returns <c>true</c>.</param>
    /// <param name="error">Why there is no reply when this returns <c>false</c>.</param>
    public bool TryProcessToNetstring(
        ReadOnlySpan<byte> request,
        [NotNullWhen(true)] out byte[]? netstring,
        [NotNullWhen(false)] out string? error)
    {
        return TryProcessToNetstring(request, out netstring, out error, out _);
    }

    /// <summary>
    /// <see cref="TryProcessToNetstring(ReadOnlySpan{byte}, out byte[], out string)"/>, also telling
    /// which transform was asked for (<c>-</c> when none known was) and the outcome, for the instruments:
    /// <c>applied</c>, <c>unknown</c>, <c>invalid</c> or <c>failed</c>.
    /// </summary>
    internal bool TryProcessToNetstring(
        ReadOnlySpan<byte> request,
        [NotNullWhen(true)] out byte[]? netstring,
        [NotNullWhen(false)] out string? error,
        out (string Transform, string Outcome) tally)
    {
        netstring = null;
        if (!TryTransform(request, out var poem, out var byteCount, out error, out tally))
        {
            return false;
        }

        netstring = NetstringEncoder.AllocateFramed(byteCount, out var payloadOffset);
        Encoding.UTF8.GetBytes(poem, netstring.AsSpan(payloadOffset, byteCount));
        return true;
    }

    private bool TryTransform(
        ReadOnlySpan<byte> request,
        [NotNullWhen(true)] out string? transformed,
        out int byteCount,
        [NotNullWhen(false)] out string? error,
        out (string Transform, string Outcome) tally)
    {
        transformed = null;
        byteCount = 0;
        tally = (NoTransform, Invalid);
        var dot = request.IndexOf((byte)'.');
        if (dot < 0)
        {
            error = "request has no '.' between transform name and poem";
            return false;
        }

        var name = request[..dot];
        if (name.IsEmpty)
        {
            error = "request has an empty transform name before the '.'";
            return false;
        }

        if (!TryFindTransform(name, out var transform))
        {
            error = $"unknown transform '{Printable(name)}'";
            tally = (NoTransform, Unknown);
            return false;
        }

        var poemBytes = request[(dot + 1)..];
        tally = (transform.Name, Invalid);

        // Validating first lets valid poems, nearly all of them, be decoded in a single pass
        // with no buffer between; the offset of a fault is only worked out for the log.
        if (!Utf8.IsValid(poemBytes))
        {
            error = DescribeInvalidUtf8(poemBytes);
            return false;
        }

        var poem = Encoding.UTF8.GetString(poemBytes);
        string? result;
        try
        {
            result = transform.Apply(poem);
        }
        catch (Exception exception)
        {
            error = $"transform '{transform.Name}' threw {exception.GetType().Name}: {exception.Message}";
            tally = (transform.Name, Failed);
            return false;
        }

        if (result is null)
        {
            error = $"transform '{transform.Name}' returned no poem";
            tally = (transform.Name, Failed);
            return false;
        }

        byteCount = Encoding.UTF8.GetByteCount(result);
        if (byteCount > MaxReplyLength)
        {
            error = $"transform '{transform.Name}' made a reply of {byteCount} bytes, more than the maximum of {MaxReplyLength}";
            tally = (transform.Name, Failed);
            return false;
        }

        transformed = result;
        error = null;
        tally = (transform.Name, Applied);
        return true;
    }

    private bool TryFindTransform(ReadOnlySpan<byte> name, [NotNullWhen(true)] out PoemTransform? transform)
    {
        transform = null;

        // No UTF-16 code unit takes more than three UTF-8 bytes, so a longer name is unknown;
        // this also bounds the buffer below however long a name the peer sends.
        if (name.Length > 3 * Registry.LongestName)
        {
            return false;
        }

        Span<char> chars = name.Length <= 128 ? stackalloc char[128] : new char[name.Length];
        var status = Utf8.ToUtf16(name, chars, out _, out var written, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done && Registry.TryGet(chars[..written], out transform);
    }

    private static string DescribeInvalidUtf8(ReadOnlySpan<byte> poem)
    {
        var offset = 0;
        while (offset < poem.Length)
        {
            if (Rune.DecodeFromUtf8(poem[offset..], out _, out var length) != System.Buffers.OperationStatus.Done)
            {
                // DecodeFromUtf8 reports a truncated sequence at the end as NeedMoreData, which
                // for a complete request is just as invalid.
                return $"poem is not valid UTF-8: byte {NetstringDecoder.Describe(poem[offset])} at offset {offset} of the poem does not start a valid sequence";
            }

            offset += length;
        }

        // Unreachable when the caller has seen Utf8.IsValid fail; kept so the message is never wrong.
        return "poem is not valid UTF-8";
    }

    private static string Printable(ReadOnlySpan<byte> name)
    {
        var truncated = name.Length > MaxNameInError;
        var text = Encoding.UTF8.GetString(truncated ? name[..MaxNameInError] : name);
        var printable = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            // Control characters from a peer must not be able to break a log line.
            if (char.IsControl(c))
            {
                printable.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                printable.Append(c);
            }
        }

        return truncated ? printable.Append("...").ToString() : printable.ToString();
    }
}
