using System.Globalization;

namespace PoetryNode.Hosting;

/// <summary>
/// One full, compacting, decommitting collection once the node serves (after its start and after
/// each SIGHUP reload): a start allocates about 4 MB that is garbage as soon as the services are
/// up (HOCON trees and their copies, the host's builders, Akka's settings), and with the 1 MB gen0
/// budget (PoetryNode.csproj) the collections that ran during the start left parts of it in the
/// older generations and the free regions committed. <see cref="GCCollectionMode.Aggressive"/>
/// gives those pages back to the system, which nothing else does on a node that then only waits.
/// Measured (tests/benchmarks/README.md, "Stop 19"): an idle node's RSS 0.4-0.5 MB lower, the
/// collection itself a few milliseconds, once.
/// </summary>
internal static class StartupGarbage
{
    /// <summary>What one collection did: the heap's size before and after, what stays committed, its pause.</summary>
    internal readonly record struct Outcome(long HeapBefore, long HeapAfter, long Committed, TimeSpan Pause);

    /// <summary>Collects the whole heap, compacts it, and returns its free memory to the system.</summary>
    public static Outcome Collect()
    {
        var before = GC.GetTotalMemory(forceFullCollection: false);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        return new Outcome(before, GC.GetTotalMemory(forceFullCollection: false), info.TotalCommittedBytes, info.PauseDurations[0]);
    }

    /// <summary>The outcome as the node's debug line says it, after "start-up garbage collected: " or "reload garbage collected: ".</summary>
    public static string Describe(Outcome outcome) => string.Create(
        CultureInfo.InvariantCulture,
        $"heap {Kilobytes(outcome.HeapBefore)} -> {Kilobytes(outcome.HeapAfter)} KB, {Kilobytes(outcome.Committed)} KB committed, paused {outcome.Pause.TotalMilliseconds:0.0} ms");

    private static long Kilobytes(long bytes) => (bytes + 1023) / 1024;
}
