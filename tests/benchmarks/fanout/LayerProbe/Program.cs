// What each layer of a `poetry-node get` fan-out costs, in one process against the fan-out server:
// the same N downloads through the downloader actors (PoetryClient.AllSettledAsync, as get runs
// them: one actor per address in groups under an aggregator), or through PoemFetcher alone (the
// library's bounded fetch: connect, deadline, idle and connect timeouts, size limit; no actors),
// started from one thread, two, or sixteen. After a warm-up of 100, inside a no-GC region of
// 128 MB as get's own (src/PoetryNode/Get/NoCollectionsDuring.cs). Prints the fan-out from the
// first download started to the last outcome, and the process's CPU over it.
// Usage: fanout-layer-probe --variant V --count N PORT...
//   actors     the downloader actors on Akka's default dispatcher (the .NET thread pool), as get
//   actors16   the same on a dispatcher of 16 dedicated threads (fanout/dispatcher16.conf)
//   fetcher    PoemFetcher.FetchAsync for every address, started from one thread
//   fetcher2   the same from two thread-pool tasks, half each
//   fetcher16  the same from 16 threads, every 16th address each
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Download;
using PoetryActors.Kinds;

var variant = "actors";
var count = 10000;
var ports = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--variant": variant = args[++i]; break;
        case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--help" or "-h":
            Console.WriteLine("fanout-layer-probe --variant actors|actors16|fetcher|fetcher2|fetcher16 --count N PORT...");
            return 0;
        default: ports.Add(args[i]); break;
    }
}

if (ports.Count == 0 || variant is not ("actors" or "actors16" or "fetcher" or "fetcher2" or "fetcher16"))
{
    Console.Error.WriteLine("fanout-layer-probe: give a known --variant and at least one port (--help)");
    return 2;
}

// The same scrambled order of ports as run-fanout-bench.sh.
NetAddress[] Addresses(int n) =>
    Enumerable.Range(0, n).Select(i => NetAddress.Parse("127.0.0.1:" + ports[(i * 7 + i / 5) % ports.Count])).ToArray();

var config = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
if (variant == "actors16")
{
    config = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dispatcher16.conf"))).WithFallback(config);
}

using var system = ActorSystem.Create("layer-probe", config);
var limits = DownloadSettings.Create(system.Settings.Config).Limits;

await RunAsync(Addresses(100));
GC.Collect();
var noGc = GC.TryStartNoGCRegion(128L * 1024 * 1024);
var addresses = Addresses(count);
var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var clock = Stopwatch.StartNew();
var downloaded = await RunAsync(addresses);
var elapsed = clock.Elapsed;
var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"variant={variant} count={count} downloaded={downloaded} fanout_s={elapsed.TotalSeconds:0.000} cpu_s={cpu.TotalSeconds:0.00} no_gc_region={noGc} "));
return downloaded == count ? 0 : 1;

async Task<int> RunAsync(NetAddress[] batch)
{
    if (variant is "actors" or "actors16")
    {
        var outcomes = await PoetryClient.AllSettledAsync(system, batch);
        return outcomes.Count(o => o.Succeeded);
    }

    var fetches = new Task<FetchResult>[batch.Length];
    var starters = variant switch { "fetcher" => 1, "fetcher2" => 2, _ => 16 };
    void Start(int first)
    {
        for (var index = first; index < fetches.Length; index += starters)
        {
            fetches[index] = PoemFetcher.FetchAsync(batch[index], limits);
        }
    }

    if (starters == 1)
    {
        Start(0);
    }
    else if (starters == 2)
    {
        await Task.WhenAll(Task.Run(() => Start(0)), Task.Run(() => Start(1)));
    }
    else
    {
        var threads = Enumerable.Range(0, starters).Select(first => new Thread(() => Start(first))).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
    }

    var results = await Task.WhenAll(fetches);
    return results.Count(result => result is FetchResult.Fetched);
}
