namespace PoetryActors.Listening;

/// <summary>
/// A budget of bytes that one listener's connections may hold in memory at once (the transform
/// server's requests still arriving). A connection reserves what it buffers as it grows and
/// gives it back when it ends; a reservation past the budget is refused, so the caller can drop
/// that connection instead of growing the process. Thread-safe and lock-free.
/// </summary>
internal sealed class BufferBudget
{
    private long _inUse;
    private int _refused;

    /// <summary>A budget of <paramref name="limit"/> bytes.</summary>
    public BufferBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>The most bytes the connections may hold together.</summary>
    public long Limit { get; }

    /// <summary>The bytes held now.</summary>
    public long InUse => Interlocked.Read(ref _inUse);

    /// <summary>Whether <paramref name="bytes"/> more would fit now (a check only: nothing is reserved).</summary>
    public bool HasRoomFor(long bytes)
    {
        if (Interlocked.Read(ref _inUse) + bytes <= Limit)
        {
            return true;
        }

        Volatile.Write(ref _refused, 1);
        return false;
    }

    /// <summary>Whether a reservation or a check was refused since the last call: the budget has been under siege.</summary>
    public bool TakeRefused() => Interlocked.Exchange(ref _refused, 0) == 1;

    /// <summary>Reserves <paramref name="bytes"/> more if the budget has room for them.</summary>
    public bool TryReserve(long bytes)
    {
        if (bytes <= 0)
        {
            return true;
        }

        while (true)
        {
            var current = Interlocked.Read(ref _inUse);
            if (current + bytes > Limit)
            {
                Volatile.Write(ref _refused, 1);
                return false;
            }
            if (Interlocked.CompareExchange(ref _inUse, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Reserves <paramref name="bytes"/> that are held already, budget or not (so that the next reservations see them).</summary>
    public void Reserve(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _inUse, bytes);
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> reserved earlier.</summary>
    public void Release(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _inUse, -bytes);
        }
    }
}
