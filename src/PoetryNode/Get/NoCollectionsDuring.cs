using System.Runtime;

namespace PoetryNode.Get;

/// <summary>
/// Keeps the garbage collector out of the way while <c>get</c> fetches: a fan-out is a burst of
/// short-lived work (ten thousand downloads allocate about 150 MB, nearly all of it garbage once
/// the poems are in) whose collections would stop every thread, the downloads' connects
/// included, several times over. A no-GC region sized to the request (about 20 KB a download)
/// lets the burst allocate without a collection; if the request allocates more, the runtime
/// simply collects and leaves the region. Measured with tests/benchmarks/fanout.
/// The region was first capped at 96 MB: everything allocated inside it stays resident until it ends,
/// so 10,000 downloads under a region sized to them peaked at 216-225 MB of RSS; capped, the
/// runtime collects once past 96 MB and the same get peaked at 175 MB, its CPU time unchanged
/// (published, two runs each, load 52-67: user 1.06 and 1.29 s against 1.09 and 1.12).
/// Third pass (tests/benchmarks/fanout, "third pass"): with the aggregator's worker groups a get
/// of 10,000 allocates about 125 MB in all, so the cap is 128 MB: that get runs with no
/// collection at all (3 runs each at load 9-10, published: GC pauses 8-9 ms instead of
/// 250-305 ms, fan-out 1.92-2.08 s instead of 2.01-2.26, peak RSS 191-192 MB instead of 164,
/// under the 200 MB), and a larger request collects once past 128 MB.
/// The region lasts until the output is written (GetRun): ended before it, the first allocations
/// of the output made the collector go through every poem and every download's garbage at once;
/// a get of 1,000 poems made 2 collections after its fetch that way, and makes none now (the
/// one left is the region's start; measured with GC.CollectionCount, tests/benchmarks/fanout).
/// </summary>
internal sealed class NoCollectionsDuring : IDisposable
{
    private const long BytesPerDownload = 20 * 1024;
    private const long BaseBytes = 32L * 1024 * 1024;
    private const long MaxBytes = 128L * 1024 * 1024;

    private bool _active;

    private NoCollectionsDuring(bool active)
    {
        _active = active;
    }

    /// <summary>Starts a no-GC region for a fetch of <paramref name="downloads"/> poems, when the runtime allows one.</summary>
    public static NoCollectionsDuring FetchOf(int downloads)
    {
        var budget = Math.Min(MaxBytes, BaseBytes + downloads * BytesPerDownload);
        try
        {
            return new NoCollectionsDuring(GC.TryStartNoGCRegion(budget));
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // Too large for this runtime's heap, or a region is already running: collect as usual.
            return new NoCollectionsDuring(false);
        }
    }

    /// <summary>Ends the region if the fetch did not outgrow it.</summary>
    public void Dispose()
    {
        if (!_active)
        {
            return;
        }

        _active = false;
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The runtime left the region on its own (the budget ran out): nothing to end.
        }
    }
}
