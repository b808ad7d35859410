using System.Globalization;

namespace PoetryActors.Wire;

/// <summary>
/// Writes netstrings: the payload's length in ASCII decimal, <c>:</c>, the payload, <c>,</c>.
/// The counterpart of <see cref="NetstringDecoder"/>; stateless and thread-safe.
/// </summary>
internal static class NetstringEncoder
{
    /// <summary>How many bytes the netstring of a payload of <paramref name="payloadLength"/> bytes takes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative or its netstring would not fit in an array.</exception>
    public static int EncodedLength(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        var total = (long)CountDigits(payloadLength) + payloadLength + 2;
        if (total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, "the netstring would be larger than an array can be");
        }

        return (int)total;
    }

    /// <summary>Returns the netstring of <paramref name="payload"/> in a new array of exactly its size.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var netstring = new byte[EncodedLength(payload.Length)];
        Write(payload, netstring);
        return netstring;
    }

    /// <summary>Writes the netstring of <paramref name="payload"/> at the start of <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written, <see cref="EncodedLength"/> of the payload's length.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public static int Encode(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (!TryEncode(payload, destination, out var written))
        {
            throw new ArgumentException(
                $"a netstring of a {payload.Length}-byte payload needs {EncodedLength(payload.Length)} bytes but the destination has {destination.Length}",
                nameof(destination));
        }

        return written;
    }

    /// <summary>
    /// Writes the netstring of <paramref name="payload"/> at the start of <paramref name="destination"/>
    /// if it fits, writing nothing otherwise.
    /// </summary>
    public static bool TryEncode(ReadOnlySpan<byte> payload, Span<byte> destination, out int written)
    {
        var length = EncodedLength(payload.Length);
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        written = Write(payload, destination);
        return true;
    }

    /// <summary>
    /// A new array holding the netstring of a payload of <paramref name="payloadLength"/> bytes
    /// with its frame (the length, <c>:</c> and <c>,</c>) written and the payload left for the
    /// caller to write in place at <paramref name="payloadOffset"/>: for a payload produced
    /// straight into the reply (a transform's UTF-8), saving a copy.
    /// </summary>
    public static byte[] AllocateFramed(int payloadLength, out int payloadOffset)
    {
        var netstring = new byte[EncodedLength(payloadLength)];
        payloadOffset = WriteFrame(payloadLength, netstring);
        return netstring;
    }

    private static int Write(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        var offset = WriteFrame(payload.Length, destination);
        payload.CopyTo(destination[offset..]);
        return offset + payload.Length + 1;
    }

    // The one place the frame is written: digits and ':' before the payload, ',' after it.
    private static int WriteFrame(int payloadLength, Span<byte> destination)
    {
        payloadLength.TryFormat(destination, out var digits, default, CultureInfo.InvariantCulture);
        destination[digits] = (byte)':';
        destination[digits + 1 + payloadLength] = (byte)',';
        return digits + 1;
    }

    private static int CountDigits(int value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
