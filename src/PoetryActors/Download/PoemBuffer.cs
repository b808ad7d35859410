namespace PoetryActors.Download;

/// <summary>
/// A poem's bytes as they arrive: no array until the first bytes, then room for exactly what the
/// kernel holds, doubling for later chunks; <see cref="ToArray"/> hands over the array itself when
/// the poem fills it, as a poem that arrives in one piece does. Not thread-safe: one per download.
/// </summary>
internal sealed class PoemBuffer
{
    private byte[] _bytes = [];
    private byte[]? _probe;

    /// <summary>How many bytes have arrived.</summary>
    public int Length { get; private set; }

    /// <summary>One byte to read into when nothing is waiting, to tell a close (0) from late data.</summary>
    public byte[] Probe => _probe ??= new byte[1];

    /// <summary>Exactly <paramref name="size"/> bytes of room after what has arrived.</summary>
    public Memory<byte> GetMemory(int size)
    {
        if (_bytes.Length - Length < size)
        {
            var capacity = Length == 0 ? size : Math.Max(Length + size, (int)Math.Min(Array.MaxLength, 2L * _bytes.Length));
            Array.Resize(ref _bytes, capacity);
        }

        return _bytes.AsMemory(Length, size);
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the last <see cref="GetMemory"/>.</summary>
    public void Advance(int count) => Length += count;

    /// <summary>Appends <paramref name="bytes"/>.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetMemory(bytes.Length).Span);
        Length += bytes.Length;
    }

    /// <summary>The poem, exactly <see cref="Length"/> bytes; the buffer must not be used afterwards.</summary>
    public byte[] ToArray() => _bytes.Length == Length ? _bytes : _bytes.AsSpan(0, Length).ToArray();
}
