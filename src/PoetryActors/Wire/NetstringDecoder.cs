namespace PoetryActors.Wire;

/// <summary>
/// Incremental decoder of netstrings (<c>12:hello world!,</c>): an ASCII decimal length with no
/// leading zeros (<c>0</c> itself is allowed), <c>:</c>, exactly that many bytes, <c>,</c>. Input
/// may be split at any byte; call <see cref="Decode"/> with each chunk and again with whatever it
/// left unconsumed, since one chunk may hold several frames. Bad input never throws: the decoder
/// answers <see cref="NetstringDecodeStatus.Failed"/>, keeps the reason in <see cref="Error"/> and
/// stays failed until <see cref="Reset"/>. Not thread-safe: one decoder per connection.
/// </summary>
internal sealed class NetstringDecoder
{
    /// <summary>The largest payload accepted unless told otherwise, as in Twisted's <c>NetstringReceiver</c>.</summary>
    public const int DefaultMaxLength = 99_999;

    // A peer may announce a large length and then send little; past this size the payload buffer
    // grows as bytes arrive instead of being allocated in full on the peer's word.
    private const int InitialBufferLimit = 64 * 1024;

    private enum State
    {
        Length,
        Payload,
        Comma,
        Failed,
    }

    private State _state;

    // The length read so far; a long so that the step that passes the maximum cannot overflow.
    private long _length;
    private int _digits;
    private byte[]? _payload;
    private int _filled;
    private string? _error;

    /// <summary>Creates a decoder that refuses payloads longer than <paramref name="maxLength"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The maximum is negative or larger than an array can be.</exception>
    public NetstringDecoder(int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, Array.MaxLength);
        MaxLength = maxLength;
    }

    /// <summary>The largest payload, in bytes, this decoder accepts.</summary>
    public int MaxLength { get; }

    /// <summary>Why decoding failed, or <c>null</c> while the decoder has not failed.</summary>
    public string? Error => _error;

    /// <summary>Whether the decoder has failed and will refuse all input until <see cref="Reset"/>.</summary>
    public bool IsFailed => _state == State.Failed;

    /// <summary>
    /// Whether the decoder sits between frames, having seen no byte of the next one: a peer that
    /// closes now has sent only whole frames, one that closes otherwise has left a frame half-sent.
    /// </summary>
    public bool IsAtFrameBoundary => _state == State.Length && _digits == 0;

    /// <summary>The bytes this decoder holds for the frame in progress (its payload buffer), for memory budgets.</summary>
    public int BufferedBytes => _payload?.Length ?? 0;

    /// <summary>
    /// Feeds <paramref name="input"/> to the decoder, stopping after the first frame it completes.
    /// </summary>
    /// <param name="input">The next bytes received; may be empty.</param>
    /// <param name="consumed">
    /// How many bytes of <paramref name="input"/> were used: all of them for
    /// <see cref="NetstringDecodeStatus.NeedMoreData"/>; up to and including the closing comma for
    /// <see cref="NetstringDecodeStatus.FrameDecoded"/> (pass the rest in again); up to but not
    /// including the offending byte for <see cref="NetstringDecodeStatus.Failed"/> (0 when the
    /// decoder had already failed).
    /// </param>
    /// <param name="frame">The payload of the completed frame, owned by the caller; otherwise <c>null</c>.</param>
    public NetstringDecodeStatus Decode(ReadOnlySpan<byte> input, out int consumed, out byte[]? frame)
    {
        frame = null;
        if (_state == State.Failed)
        {
            consumed = 0;
            return NetstringDecodeStatus.Failed;
        }

        var position = 0;
        while (position < input.Length)
        {
            switch (_state)
            {
                case State.Length:
                    if (!ReadLengthByte(input[position]))
                    {
                        consumed = position;
                        return NetstringDecodeStatus.Failed;
                    }

                    position++;
                    break;

                case State.Payload:
                    position += ReadPayload(input[position..]);
                    break;

                case State.Comma:
                    var terminator = input[position];
                    if (terminator != (byte)',')
                    {
                        Fail($"expected ',' after {_length} payload bytes but got {Describe(terminator)}");
                        consumed = position;
                        return NetstringDecodeStatus.Failed;
                    }

                    frame = TakePayload();
                    consumed = position + 1;
                    return NetstringDecodeStatus.FrameDecoded;

                default:
                    // Failed returned above and every failure returns at once.
                    throw new System.Diagnostics.UnreachableException();
            }
        }

        consumed = input.Length;
        return NetstringDecodeStatus.NeedMoreData;
    }

    /// <summary>Forgets any partial frame and any failure, ready for a fresh stream.</summary>
    public void Reset()
    {
        _state = State.Length;
        _length = 0;
        _digits = 0;
        _payload = null;
        _filled = 0;
        _error = null;
    }

    private bool ReadLengthByte(byte value)
    {
        if (value is >= (byte)'0' and <= (byte)'9')
        {
            if (_digits == 1 && _length == 0)
            {
                return Fail("leading zero in netstring length");
            }

            _length = (_length * 10) + (value - '0');
            _digits++;

            // Checked digit by digit so that a peer cannot keep us reading an endless run of
            // digits. With leading zeros refused, a length with more digits than the maximum is
            // larger than it, so this check also bounds how many digits are read.
            if (_length > MaxLength)
            {
                return Fail($"netstring length {_length} exceeds the maximum of {MaxLength}");
            }

            return true;
        }

        if (_digits == 0)
        {
            return Fail(value == (byte)':'
                ? "netstring length is empty: ':' came before any digit"
                : $"non-digit byte {Describe(value)} in netstring length");
        }

        if (value != (byte)':')
        {
            return Fail($"expected ':' after the length {_length} but got {Describe(value)}");
        }

        var length = (int)_length;
        _filled = 0;
        if (length == 0)
        {
            _payload = [];
            _state = State.Comma;
        }
        else
        {
            _payload = new byte[Math.Min(length, InitialBufferLimit)];
            _state = State.Payload;
        }

        return true;
    }

    private int ReadPayload(ReadOnlySpan<byte> input)
    {
        var length = (int)_length;
        var count = Math.Min(input.Length, length - _filled);
        if (_filled + count > _payload!.Length)
        {
            Array.Resize(ref _payload, (int)Math.Min(length, Math.Max(2L * _payload.Length, _filled + count)));
        }

        input[..count].CopyTo(_payload.AsSpan(_filled));
        _filled += count;
        if (_filled == length)
        {
            _state = State.Comma;
        }

        return count;
    }

    private byte[] TakePayload()
    {
        var payload = _payload!;
        _payload = null;
        _state = State.Length;
        _length = 0;
        _digits = 0;
        _filled = 0;
        return payload;
    }

    private bool Fail(string reason)
    {
        _state = State.Failed;
        _payload = null;
        _error = reason;
        return false;
    }

    /// <summary>Shows a byte as hex, with the character too when it is printable ASCII.</summary>
    internal static string Describe(byte value) =>
        value is >= 0x20 and < 0x7F ? $"0x{value:X2} ('{(char)value}')" : $"0x{value:X2}";
}
