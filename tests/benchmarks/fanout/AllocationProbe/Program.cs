// Where the allocations of a fan-out go: PoetryClient.AllSettledAsync of N poems (the downloader
// actors under /user/downloads, as poetry-node get runs them) against the fan-out server, after a
// warm-up of 100, with the runtime's GCAllocationTick events (one per ~100 KB allocated) counted
// by type. Prints the bytes allocated per download and the types that took most.
// Usage: fanout-allocation-probe --count N [--top 30] PORT...
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Akka.Actor;
using PoetryActors.Download;
using PoetryActors.Hosting;
using PoetryActors.Kinds;

var count = 10000;
var top = 30;
var ports = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--top": top = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: ports.Add(args[i]); break;
    }
}

NetAddress[] Addresses(int n) => Enumerable.Range(0, n).Select(i => NetAddress.Parse(ports[(i * 7 + i / 5) % ports.Count])).ToArray();

using var system = ActorSystem.Create("allocation-probe", "akka.loglevel = WARNING");
var downloads = PoetryDownloads.Create(system);
await PoetryClient.AllSettledAsync(downloads, Addresses(100));

var addresses = Addresses(count);
using var ticks = new AllocationTicks();
var before = GC.GetTotalAllocatedBytes(precise: true);
var collections = GC.CollectionCount(0);
var clock = Stopwatch.StartNew();
var outcomes = await PoetryClient.AllSettledAsync(downloads, addresses);
var elapsed = clock.Elapsed;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
ticks.Dispose();

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"count={count} ok={outcomes.Count(o => o.Succeeded)} elapsed_s={elapsed.TotalSeconds:0.000} allocated_mb={allocated / 1048576.0:0.0} per_download_bytes={allocated / count} gen0={GC.CollectionCount(0) - collections}"));
foreach (var failure in outcomes.OfType<PoemOutcome.Failed>().GroupBy(f => $"{f.Failure.Step} {f.Failure.Failure}").OrderByDescending(g => g.Count()))
{
    Console.WriteLine($"failed: {failure.Count()} x {failure.Key}, e.g. {failure.First().Failure.Detail}");
}

var sampled = ticks.ByType.Values.Sum();
foreach (var (type, bytes) in ticks.ByType.OrderByDescending(p => p.Value).Take(top))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes * 100.0 / sampled,6:0.0}%  {allocated * (bytes / (double)sampled) / count,7:0} B/download  {type}"));
}

internal sealed class AllocationTicks : EventListener
{
    public ConcurrentDictionary<string, long> ByType { get; } = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
        {
            return;
        }

        var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
        ByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
