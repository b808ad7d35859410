// Catalog convergence and memory with M members in one process and S services spread over them.
//   dotnet run -c Release --project tests/benchmarks/cluster/ClusterScale -- 3,6,12 1000,10000 [rounds]
// One row per (members, services, round): time from the first publication to every member's
// catalog listing all S services, the managed heap per member after convergence, serialized
// bytes per service entry, chunks per member, and the bytes a member's replica holds.
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using PoetryActors.Cluster;

var memberCounts = (args.Length > 0 ? args[0] : "3,6,12").Split(',').Select(int.Parse).ToArray();
var serviceCounts = (args.Length > 1 ? args[1] : "1000,10000").Split(',').Select(int.Parse).ToArray();
var rounds = args.Length > 2 ? int.Parse(args[2]) : 1;
var inv = CultureInfo.InvariantCulture;

Console.WriteLine("members\tservices\tround\tjoin_s\tconverge_s\theap_mb_per_member\tbytes_per_entry\tchunks_per_member\treplica_kb_per_member\tcatalog_answer_kb");
foreach (var members in memberCounts)
foreach (var services in serviceCounts)
for (var round = 1; round <= rounds; round++)
{
    var r = await Measure(members, services);
    Console.WriteLine(string.Join('\t', members, services, round, r.Join.ToString("0.00", inv), r.Converge.ToString("0.00", inv),
        r.HeapMbPerMember.ToString("0.0", inv), r.BytesPerEntry.ToString("0", inv), r.ChunksPerMember, r.ReplicaKbPerMember.ToString("0", inv), r.AnswerKb.ToString("0", inv)));
}

static async Task<Result> Measure(int memberCount, int serviceCount)
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
            .Select(i => new CatalogService("", $"poem-{m}-{i:D5}", "fastpoetry", $"198.18.{m}.{1 + i % 250}:{10000 + i}", $"poem-{m}-{i:D5}", 1000 + i,
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(m * 1_000_000 + i)))))
            .ToList()).ToArray();
        var bytesPerEntry = lists[0].Average(CatalogSerializer.SizeOf);
        var catalogSettings = settings.Catalog with { MaxNodeBytes = long.MaxValue / 2 };
        var chunks = CatalogPublication.Split(lists[0], catalogSettings).Chunks.Count;
        var replicaBytes = lists.Sum(l => (double)l.Sum(CatalogSerializer.SizeOf));

        var clock = Stopwatch.StartNew();
        var catalogs = systems.Select((s, m) => s.ActorOf(CatalogActor.Props(catalogSettings, LocalServiceSource.Fixed(lists[m])), CatalogActor.ActorName)).ToArray();
        var converged = new bool[memberCount];
        CatalogProtocol.CurrentCatalog? last = null;
        await UntilAsync(TimeSpan.FromMinutes(10), async () =>
        {
            for (var i = 0; i < memberCount; i++)
            {
                if (converged[i]) continue;
                try
                {
                    var current = await catalogs[i].Ask<CatalogProtocol.CurrentCatalog>(CatalogProtocol.GetCatalog.Instance, TimeSpan.FromSeconds(30));
                    converged[i] = current.Services.Count == serviceCount;
                    last = current;
                }
                catch (AskTimeoutException)
                {
                }
            }
            return converged.All(c => c);
        });
        var converge = clock.Elapsed.TotalSeconds;
        var heapAfter = GC.GetTotalMemory(true);
        // The whole catalog as one answer (what `catalog` and `get --cluster` receive): it must fit the frame.
        var answer = new CatalogSerializer((ExtendedActorSystem)systems[0]).ToBinary(last!).Length;
        return new Result(join, converge, (heapAfter - heapBefore) / 1e6 / memberCount, bytesPerEntry, chunks, replicaBytes / 1024, answer / 1024.0);
    }
    finally
    {
        await Task.WhenAll(systems.Select(s => s.Terminate()));
    }
}

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

internal sealed record Result(double Join, double Converge, double HeapMbPerMember, double BytesPerEntry, int ChunksPerMember, double ReplicaKbPerMember, double AnswerKb);
