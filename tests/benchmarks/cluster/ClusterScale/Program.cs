// Catalog convergence and memory with M members in one process and S services spread over them.
//   dotnet run -c Release --project tests/benchmarks/cluster/ClusterScale -- 3,6,12 1000,10000 [rounds] [deadline-seconds]
// One row per (members, services, round): the time from the first publication to the first, the
// median and the last member's catalog listing all S services; the CPU seconds the whole process
// (all M members) spent meanwhile, which the box's other load does not inflate as it does the
// times; the 1-minute load average then; the managed heap per member after convergence,
// serialized bytes per service entry, chunks per member, catalog keys in all, the bytes a
// member's replica holds and the size of the whole catalog as one answer.
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PoetryActors.Cluster;

var memberCounts = (args.Length > 0 ? args[0] : "3,6,12").Split(',').Select(int.Parse).ToArray();
var serviceCounts = (args.Length > 1 ? args[1] : "1000,10000").Split(',').Select(int.Parse).ToArray();
var rounds = args.Length > 2 ? int.Parse(args[2]) : 1;
// How long one (members, services) round may take to converge; past it the row says so and the next one runs.
var deadline = TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 1200);
var inv = CultureInfo.InvariantCulture;

// The serialized size of one entry of each kind, with a full member address (what docs/scaling.md's formulas use).
var node = "akka.tcp://poetry@198.18.0.1:4053";
var poemEntry = new CatalogService(node, "ecstasy", "fastpoetry", "198.18.0.1:10000", "ecstasy", 2975, new string('a', 64));
var transformEntry = new CatalogService(node, "xform", "transform", "198.18.0.1:10001");
Console.WriteLine($"# bytes per catalog entry: a poem service {CatalogSerializer.SizeOf(poemEntry)}, a transform service {CatalogSerializer.SizeOf(transformEntry)}");
Console.WriteLine("members\tservices\tround\tjoin_s\tfirst_member_s\tmedian_member_s\tconverge_s\tcpu_s\tload_1m\theap_mb_per_member\tbytes_per_entry\tchunks_per_member\tkeys\treplica_kb_per_member\tcatalog_answer_kb");
foreach (var members in memberCounts)
foreach (var services in serviceCounts)
for (var round = 1; round <= rounds; round++)
{
    Result r;
    try
    {
        r = await Measure(members, services, deadline);
    }
    catch (TimeoutException e)
    {
        Console.WriteLine(string.Join('\t', members, services, round, "-", "-", "-", $"not converged: {e.Message}", "-", Load()));
        continue;
    }
    Console.WriteLine(string.Join('\t', members, services, round, r.Join.ToString("0.00", inv), r.FirstMember.ToString("0.00", inv), r.MedianMember.ToString("0.00", inv),
        r.Converge.ToString("0.00", inv), r.CpuSeconds.ToString("0.0", inv), Load(),
        r.HeapMbPerMember.ToString("0.0", inv), r.BytesPerEntry.ToString("0", inv), r.ChunksPerMember, r.Keys, r.ReplicaKbPerMember.ToString("0", inv), r.AnswerKb.ToString("0", inv)));
}

static async Task<Result> Measure(int memberCount, int serviceCount, TimeSpan deadline)
{
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
    var heapBefore = GC.GetTotalMemory(true);
    // The defaults of reference.conf (gossip 500 ms, 16 keys a gossip of 64 KiB chunks), with the
    // cluster's own gossip quicker so that joining does not dominate the measurement.
    var settings = PoetryClusterSettings.Default;
    var config = ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = ERROR
          stdout-loglevel = OFF
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, maximum-frame-size = {{settings.MaximumFrameSize}}b }
          remote.log-remote-lifecycle-events = off
          coordinated-shutdown.run-by-actor-system-terminate = off
          cluster {
            gossip-interval = 200ms
            leader-actions-interval = 200ms
            failure-detector { heartbeat-interval = 1s, acceptable-heartbeat-pause = 10s }
            distributed-data {
              gossip-interval = {{(int)settings.Catalog.GossipInterval.TotalMilliseconds}}ms
              max-delta-elements = {{settings.Catalog.MaxDeltaElements}}
            }
          }
        }
        """).WithFallback(CatalogClient.SerializerConfig);
    var systems = Enumerable.Range(0, memberCount).Select(_ => ActorSystem.Create(PoetryClusterSettings.SystemName, config)).ToArray();
    try
    {
        var joinClock = Stopwatch.StartNew();
        var first = Cluster.Get(systems[0]).SelfAddress;
        foreach (var s in systems) Cluster.Get(s).Join(first);
        await UntilTrue(TimeSpan.FromMinutes(5), () => systems.All(s => Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) == memberCount));
        var join = joinClock.Elapsed.TotalSeconds;

        var perMember = serviceCount / memberCount;
        var lists = systems.Select((s, m) => Enumerable.Range(0, m == memberCount - 1 ? serviceCount - perMember * (memberCount - 1) : perMember)
            .Select(i => new CatalogService(Cluster.Get(s).SelfAddress.ToString(), $"poem-{m}-{i:D5}", "fastpoetry", $"198.18.{m}.{1 + i % 250}:{10000 + i}", $"poem-{m}-{i:D5}", 1000 + i,
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(m * 1_000_000 + i)))))
            .ToList()).ToArray();
        var bytesPerEntry = lists[0].Average(CatalogSerializer.SizeOf);
        var catalogSettings = settings.Catalog with { MaxNodeBytes = long.MaxValue / 2 };
        var chunks = CatalogPublication.Split(lists[0], catalogSettings).Chunks.Count;
        var replicaBytes = lists.Sum(l => (double)l.Sum(CatalogSerializer.SizeOf));

        // Converged when every member's replica holds every member's chunks (each chunk is written
        // once, so holding its key is holding its value), confirmed by one GetCatalog per member
        // listing all S. The probe lists key ids only: reading and sorting S services on every
        // member every 50 ms would cost more CPU than the gossip it measures (it did: 12 x 10,000
        // never converged under the old probe on this 2-core box).
        var expectedKeys = lists.Sum(l => CatalogPublication.Split(l, catalogSettings).Chunks.Count);
        var replicas = systems.Select(CatalogReplica.Of).ToArray();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var catalogs = systems.Select((s, m) => s.ActorOf(CatalogActor.Props(catalogSettings, LocalServiceSource.Fixed(lists[m])), CatalogActor.ActorName)).ToArray();
        var convergedAt = new double?[memberCount];
        CatalogProtocol.CurrentCatalog? last = null;
        var probe = UntilAsync(deadline, async () =>
        {
            for (var i = 0; i < memberCount; i++)
            {
                if (convergedAt[i] is not null) continue;
                try
                {
                    if ((await replicas[i].KeysAsync()).Count < expectedKeys) continue;
                    var at = clock.Elapsed.TotalSeconds;
                    var current = await catalogs[i].Ask<CatalogProtocol.CurrentCatalog>(CatalogProtocol.GetCatalog.Instance, TimeSpan.FromSeconds(30));
                    if (current.Services.Count == serviceCount)
                    {
                        convergedAt[i] = at;
                        last = current;
                    }
                }
                catch (AskTimeoutException)
                {
                }
            }
            return convergedAt.All(c => c is not null);
        });
        try
        {
            await probe;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{convergedAt.Count(c => c is not null)} of {memberCount} members listed all {serviceCount} services ({expectedKeys} keys) within {deadline.TotalSeconds:0} s");
        }
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var times = convergedAt.Select(c => c!.Value).Order().ToArray();
        var converge = times[^1];
        var heapAfter = GC.GetTotalMemory(true);
        // The whole catalog as one answer (what `catalog` and `get --cluster` receive): it must fit the frame.
        var answer = new CatalogSerializer((ExtendedActorSystem)systems[0]).ToBinary(last!).Length;
        return new Result(join, times[0], times[times.Length / 2], converge, cpu, (heapAfter - heapBefore) / 1e6 / memberCount, bytesPerEntry, chunks, expectedKeys, replicaBytes / 1024, answer / 1024.0);
    }
    finally
    {
        // An actor system that does not finish terminating (seen once on a box at load 70) must not
        // hold the remaining rows: past the limit it is left to the process's exit.
        try
        {
            await Task.WhenAll(systems.Select(s => s.Terminate())).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"{memberCount} x {serviceCount}: an actor system did not terminate within 60 s; going on");
        }
    }
}

static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

static Task UntilTrue(TimeSpan deadline, Func<bool> condition) => UntilAsync(deadline, () => Task.FromResult(condition()));

static async Task UntilAsync(TimeSpan deadline, Func<Task<bool>> condition)
{
    var end = DateTime.UtcNow + deadline;
    while (!await condition())
    {
        if (DateTime.UtcNow > end) throw new TimeoutException($"not within {deadline}");
        await Task.Delay(50);
    }
}

internal sealed record Result(double Join, double FirstMember, double MedianMember, double Converge, double CpuSeconds, double HeapMbPerMember, double BytesPerEntry,
    int ChunksPerMember, int Keys, double ReplicaKbPerMember, double AnswerKb);
