using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace PoetryActors.Instruments;

/// <summary>
/// The client side's count of downloads by outcome (<c>downloaded</c>, or <c>failed-</c> and the
/// step that failed: <c>failed-connect</c>, <c>failed-read</c>, ...), published as <c>poetry.downloads</c>.
/// </summary>
internal static class DownloadInstruments
{
    private static readonly ConcurrentDictionary<string, StrongBox<long>> ByOutcome = new();

    /// <summary>Downloads so far, by outcome.</summary>
    public static IEnumerable<KeyValuePair<string, long>> Counts =>
        ByOutcome.Select(p => KeyValuePair.Create(p.Key, Volatile.Read(ref p.Value.Value)));

    internal static void Downloaded() => Count("downloaded");

    internal static void Failed(string step) => Count("failed-" + step);

    private static void Count(string outcome)
    {
        PoetryMeter.EnsureCreated();
        Interlocked.Increment(ref ByOutcome.GetOrAdd(outcome, static _ => new StrongBox<long>()).Value);
    }
}
