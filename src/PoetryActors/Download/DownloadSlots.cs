namespace PoetryActors.Download;

/// <summary>
/// The places for downloads in flight that the downloaders of one request share
/// (<see cref="DownloadSettings.MaxInFlight"/>): a downloader takes one before it connects and
/// gives it back when it stops, and the others wait their turn, so a request of thousands of
/// addresses never holds more sockets than the process may open.
/// </summary>
internal sealed class DownloadSlots
{
    private readonly SemaphoreSlim _free;

    /// <summary>Places for <paramref name="count"/> downloads at once.</summary>
    public DownloadSlots(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _free = new SemaphoreSlim(count, count);
    }

    /// <summary>How many downloads may be in flight at once.</summary>
    public int Count { get; }

    /// <summary>Downloads in flight now.</summary>
    public int InUse => Count - _free.CurrentCount;

    /// <summary>Completes when a place is free and taken.</summary>
    internal Task TakeAsync(CancellationToken cancel) => _free.WaitAsync(cancel);

    /// <summary>Gives back a place taken with <see cref="TakeAsync"/>.</summary>
    internal void Give() => _free.Release();
}
