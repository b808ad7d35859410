using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Kinds;
using static PoetryActors.Cluster.CatalogProtocol;

// The cluster benchmark. Real members (poetry-node processes from hocon/cluster, ports of their
// own) for: a member's start to its services in the others' catalog, a SIGKILLed member's
// services leaving the catalog, and get --cluster --poem against get of the same endpoints.
// In-process members for the catalog's convergence time and memory with many services.
// get --cluster asks the catalog two ways, side by side: through a member's remoting (HOST:PORT)
// and through its status endpoint (http://HOST:PORT, no remoting in the client).
//   dotnet run -c Release --project tests/benchmarks/ClusterBench -- REPO [--rounds N] [--poems N] [--services "0 1000 10000"]
//     [--node PATH] (a published poetry-node executable instead of the dll) [--lookup-only] (no kill, no scale)
//     [--probe PATH] (LookupProbe.dll: where a lookup's fixed cost goes, phase by phase)
var repo = args.Length > 0 ? args[0] : throw new ArgumentException("usage: ClusterBench REPO [--rounds N] [--poems N] [--services \"0 1000 10000\"]");
var rounds = Option("--rounds", 3);
var poems = Option("--poems", 1000);
var trace = args.Contains("--trace");
var getRuns = Option("--get-runs", 3);
var scales = (OptionText("--services") ?? "0 1000 10000").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
var node = OptionText("--node") ?? Path.Combine(repo, "src", "PoetryNode", "bin", "Release", "net10.0", "poetry-node.dll");
// A published executable runs as itself; the dll through the dotnet host.
var nodeCommand = node.EndsWith(".dll", StringComparison.Ordinal) ? new[] { "dotnet", node } : new[] { node };
var lookupOnly = args.Contains("--lookup-only");
var probe = OptionText("--probe");
var probePhases = new Dictionary<string, List<double>>();
// The benchmark's own actor systems keep quiet: the members come and go on purpose.
var allDirectTimes = new List<double>();
var allByNameTimes = new List<double>();
var fixedDirect = new List<double>();
var fixedByName = new List<double>();
var allByHttpTimes = new List<double>();
var fixedByHttp = new List<double>();
// Per run, by address / by name of the same poems run side by side (poems/s by name over by address).
var pairByHttp = new List<double>();
var pairByName = new List<double>();
// CPU (user + sys) of each get of all the poems: less noisy than wall time on a busy box.
var cpuDirect = new List<double>();
var cpuByHttp = new List<double>();
var cpuByName = new List<double>();
var Quiet = ConfigurationFactory.ParseString("akka { loglevel = OFF, stdout-loglevel = OFF, log-dead-letters = off }");
var work = Directory.CreateTempSubdirectory("poetry-cluster-bench-").FullName;
var started = new List<Process>();
try
{
    Console.Error.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
    var join = new List<double>();
    var plainStart = new List<double>();
    var hidden = new List<double>();
    var removed = new List<double>();
    var direct = new List<double>();
    var byName = new List<double>();
    var byHttp = new List<double>();
    for (var round = 1; round <= rounds; round++)
    {
        Console.Error.WriteLine($"round {round}: three real members");
        // A round whose members never form (a port taken by someone else between FreePort and
        // the bind, on a box shared with other tests) starts again with new ports, twice at most.
        (double Join, double PlainStart, double Hidden, double Removed, List<double> Direct, List<double> ByName, List<double> ByHttp) r;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                r = await RealMembersRoundAsync(round);
                break;
            }
            catch (TimeoutException e) when (attempt < 3)
            {
                Console.Error.WriteLine($"round {round}: {e.Message}; its members are stopped and the round starts again");
                foreach (var p in started.Where(p => !p.HasExited))
                {
                    try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    await p.WaitForExitAsync();
                }
            }
        }
        join.Add(r.Join); plainStart.Add(r.PlainStart); direct.AddRange(r.Direct); byName.AddRange(r.ByName); byHttp.AddRange(r.ByHttp);
        if (!lookupOnly)
        {
            hidden.Add(r.Hidden); removed.Add(r.Removed);
        }
    }

    // A throwaway first run: the JIT and the first actor systems' one-off costs stay out of the figures.
    if (!lookupOnly)
    {
        await ScaleAsync(0);
    }

    var scale = new List<(int Services, double Ms, double HeapMb, long Bytes)>();
    foreach (var n in lookupOnly ? [] : scales)
    {
        Console.Error.WriteLine($"catalog of {n} services on three in-process members");
        scale.Add(await ScaleAsync(n));
    }

    Console.WriteLine();
    Console.WriteLine($"poetry cluster benchmark: {rounds} rounds, {(nodeCommand.Length == 1 ? "published " + node : "the dll")}, load average now {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine();
    Console.WriteLine("| figure | median | min | max | target |");
    Console.WriteLine("| --- | --- | --- | --- | --- |");
    Row("member start to its services in another member's catalog (s)", join, "<= 2 s, process start included");
    Row("the same deployment without a cluster: start to its first poem served (s)", plainStart, "the process start, for comparison");
    Console.WriteLine($"| join beyond the plain start (medians) (s) | {Median(join) - Median(plainStart):0.00} | | | joining, gossip, the catalog |");
    if (!lookupOnly)
    {
        Row("SIGKILL to its services gone from the catalog (s)", hidden, "within stable-after + failure detection");
        Row("SIGKILL to its entry removed (member downed and removed) (s)", removed, "about acceptable-heartbeat-pause + stable-after (3 s + 7 s)");
    }
    Row($"get of {poems} poems by address, poems/s", direct, "baseline");
    Row($"get --cluster HOST:PORT --poem of {poems} poems (remoting), poems/s", byName, ">= 0.9x the baseline");
    Row($"get --cluster http://HOST:PORT --poem of {poems} poems (status endpoint), poems/s", byHttp, ">= 0.9x the baseline");
    Console.WriteLine($"| ratio by name over remoting / by address (medians) | {Median(byName) / Median(direct):0.00}x | | | >= 0.9x |");
    Console.WriteLine($"| ratio by name over http / by address (medians) | {Median(byHttp) / Median(direct):0.00}x | | | >= 0.9x |");
    Console.WriteLine($"| per-run ratio by name over http / by address, side by side (median of {pairByHttp.Count}) | {Median(pairByHttp):0.00}x | {pairByHttp.Min():0.00}x | {pairByHttp.Max():0.00}x | >= 0.9x |");
    Console.WriteLine($"| per-run ratio by name over remoting / by address, side by side (median of {pairByName.Count}) | {Median(pairByName):0.00}x | {pairByName.Min():0.00}x | {pairByName.Max():0.00}x | >= 0.9x |");
    Row($"CPU of get of {poems} poems by address (user + sys), s", cpuDirect, "");
    Row($"CPU of get --cluster http://HOST:PORT --poem of {poems} poems, s", cpuByHttp, "");
    Row($"CPU of get --cluster HOST:PORT --poem of {poems} poems, s", cpuByName, "");
    Console.WriteLine($"| CPU by address / by name over http, over remoting (medians) | {Median(cpuDirect) / Median(cpuByHttp):0.00}x, {Median(cpuDirect) / Median(cpuByName):0.00}x | | | |");
    Row("get of 1 poem by address, s (the command's fixed cost)", fixedDirect, "");
    Row("get --cluster HOST:PORT --poem of 1 poem, s (fixed cost with the catalog's question over remoting)", fixedByName, "");
    Row("get --cluster http://HOST:PORT --poem of 1 poem, s (fixed cost with the question over http)", fixedByHttp, "");
    Console.WriteLine($"| 1 poem: by address / over remoting, by address / over http (medians) | {Median(fixedDirect) / Median(fixedByName):0.00}x, {Median(fixedDirect) / Median(fixedByHttp):0.00}x | | | |");
    // The other poems' rate from the medians (a pair of single runs can differ by more than the poems take).
    // When the other poems take less than the noise of the fixed cost (by name they download while the
    // catalog is asked), no rate can be told apart: say so rather than print a rate from a near-zero time.
    var extraDirect = Median(allDirectTimes) - Median(fixedDirect);
    var extraByName = Median(allByNameTimes) - Median(fixedByName);
    string Marginal(double extra, double fixedCost) => extra < 0.05 * fixedCost
        ? $"hidden in the fixed cost ({extra:0.000} s beyond one poem)"
        : $"{(poems - 1) / extra:0}";
    Console.WriteLine($"| the other {poems - 1} poems by address, poems/s (median {poems} poems minus median 1 poem) | {Marginal(extraDirect, Median(fixedDirect))} | | | baseline |");
    Console.WriteLine($"| the other {poems - 1} poems by name over remoting, poems/s (the same) | {Marginal(extraByName, Median(fixedByName))} | | | >= 0.9x |");
    var extraByHttp = Median(allByHttpTimes) - Median(fixedByHttp);
    Console.WriteLine($"| the other {poems - 1} poems by name over http, poems/s (the same) | {Marginal(extraByHttp, Median(fixedByHttp))} | | | >= 0.9x |");
    foreach (var (way, extra, fixedCost) in new[] { ("remoting", extraByName, fixedByName), ("http", extraByHttp, fixedByHttp) })
    {
        if (extraDirect >= 0.05 * Median(fixedDirect) && extra >= 0.05 * Median(fixedCost))
        {
            Console.WriteLine($"| after-first-poem ratio by name over {way} / by address | {extraDirect / extra:0.00}x | | | >= 0.9x |");
        }
    }
    if (probePhases.Count > 0)
    {
        Console.WriteLine();
        Console.WriteLine("Where a lookup's fixed cost goes (LookupProbe, a fresh process each time, ms from the process's start, medians):");
        Console.WriteLine();
        Console.WriteLine("| lookup | phase | ms from process start | min | max |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (phase, values) in probePhases)
        {
            var at = phase.IndexOf(' ');
            Console.WriteLine($"| {phase[..at]} | {phase[(at + 1)..]} | {Median(values):0} | {values.Min():0} | {values.Max():0} |");
        }
    }

    if (scale.Count == 0)
    {
        return 0;
    }

    Console.WriteLine();
    Console.WriteLine("| services on three members | convergence (ms) | vs 0 services | heap of three replicas (MB) | serialized catalog (bytes) |");
    Console.WriteLine("| --- | --- | --- | --- | --- |");
    var baseline = scale.FirstOrDefault(s => s.Services == 0).Ms;
    foreach (var s in scale)
        Console.WriteLine($"| {s.Services:N0} | {s.Ms:0} | {(baseline > 0 ? $"{s.Ms / baseline:0.0}x" : "-")} | {s.HeapMb:0.0} | {s.Bytes:N0} |");
    return 0;
}
finally
{
    foreach (var p in started.Where(p => !p.HasExited))
    {
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

async Task<(double Join, double PlainStart, double Hidden, double Removed, List<double> Direct, List<double> ByName, List<double> ByHttp)> RealMembersRoundAsync(int round)
{
    var ports = new[] { FreePort(), FreePort(), FreePort() };
    var statusPorts = new[] { FreePort(), FreePort(), FreePort() };
    var members = new List<Process>();
    // --trace: every member's log lines, timed from the round's start (node3 starts at the line "node3 starts").
    var roundClock = Stopwatch.StartNew();
    for (var i = 0; i < 2; i++) members.Add(StartMember(i, ports, statusPorts, trace ? roundClock : null));
    using var client = ActorSystem.Create("bench-client", Quiet.WithFallback(CatalogClient.Config()));
    var contact = new NetAddress("127.0.0.1", ports[0]);
    var clusterClient = client.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(client).WithInitialContacts(
        [ActorPath.Parse($"akka.tcp://poetry@{contact}/system/receptionist")])));
    await WaitCatalogAsync(clusterClient, c => c.Services.Count(s => s.Poem is not null) == 4, TimeSpan.FromSeconds(90));
    // The baseline: node3's deployment without its cluster section, start to its first poem served.
    var plainStart = await PlainStartAsync();

    if (trace) Console.Error.WriteLine($"    {roundClock.Elapsed.TotalMilliseconds,7:0} node3 starts");
    var clock = Stopwatch.StartNew();
    var third = StartMember(2, ports, statusPorts, trace ? roundClock : null);
    members.Add(third);
    await WaitCatalogAsync(clusterClient, c => c.Services.Any(s => s.Poem == "ozymandias"), TimeSpan.FromSeconds(60));
    var join = clock.Elapsed.TotalSeconds;
    if (trace) Console.Error.WriteLine($"    {roundClock.Elapsed.TotalMilliseconds,7:0} node3's poem is in node1's catalog");

    // get of the same poems, by address and by name, alternating.
    var catalog = await WaitCatalogAsync(clusterClient, _ => true, TimeSpan.FromSeconds(10));
    var served = catalog.Services.Where(s => s.Poem is not null).ToList();
    var addresses = Enumerable.Range(0, poems).Select(i => served[i % served.Count].Endpoint).ToList();
    var names = Enumerable.Range(0, poems).SelectMany(i => new[] { "--poem", served[i % served.Count].Poem! }).ToList();
    var direct = new List<double>();
    var byName = new List<double>();
    var byHttp = new List<double>();
    var statusEndpoint = $"http://127.0.0.1:{statusPorts[0]}";
    for (var i = 0; i < getRuns; i++)
    {
        // One poem first: the command's fixed cost (process start; for --cluster also remoting and
        // the catalog's question), so the marginal rate of the other poems can be told apart.
        // Each by-name run next to its by-address run, which goes first every other time, so
        // that the load drifting between them weighs on both alike (the per-run ratios below).
        var oneDirect = await TimedGetAsync(["get", "--json", addresses[0]]);
        var oneByHttp = await TimedGetAsync(["get", "--json", "--cluster", statusEndpoint, names[0], names[1]]);
        var oneByName = await TimedGetAsync(["get", "--json", "--cluster", contact.ToString(), names[0], names[1]]);
        double allDirect, allByHttp;
        if ((round * getRuns + i) % 2 == 0)
        {
            allDirect = await TimedGetAsync(["get", "--json", .. addresses], cpuDirect);
            allByHttp = await TimedGetAsync(["get", "--json", "--cluster", statusEndpoint, .. names], cpuByHttp);
        }
        else
        {
            allByHttp = await TimedGetAsync(["get", "--json", "--cluster", statusEndpoint, .. names], cpuByHttp);
            allDirect = await TimedGetAsync(["get", "--json", .. addresses], cpuDirect);
        }
        var allByName = await TimedGetAsync(["get", "--json", "--cluster", contact.ToString(), .. names], cpuByName);
        var againDirect = await TimedGetAsync(["get", "--json", .. addresses], cpuDirect);
        pairByHttp.Add(allDirect / allByHttp);
        pairByName.Add(againDirect / allByName);
        direct.Add(poems / allDirect);
        byName.Add(poems / allByName);
        byHttp.Add(poems / allByHttp);
        allByHttpTimes.Add(allByHttp);
        fixedByHttp.Add(oneByHttp);
        allDirectTimes.Add(allDirect);
        allByNameTimes.Add(allByName);
        fixedDirect.Add(oneDirect);
        fixedByName.Add(oneByName);
    }

    if (probe is not null)
    {
        for (var i = 0; i < getRuns; i++)
        {
            await ProbeAsync("plain", "");
            await ProbeAsync("remoting", contact.ToString());
            await ProbeAsync("client", contact.ToString());
            await ProbeAsync("http", statusEndpoint);
            await ProbeAsync("socket", statusEndpoint);
        }
    }

    double hidden = 0, removed = 0;
    if (!lookupOnly)
    {
        clock.Restart();
        Libc.Kill(third.Id, 9);
        await WaitCatalogAsync(clusterClient, c => c.Services.All(s => s.Poem != "ozymandias"), TimeSpan.FromSeconds(60));
        hidden = clock.Elapsed.TotalSeconds;
        await WaitCatalogAsync(clusterClient, c => c.Members.Count == 2, TimeSpan.FromSeconds(90));
        removed = clock.Elapsed.TotalSeconds;
    }
    foreach (var m in members.Where(m => !m.HasExited)) Libc.Kill(m.Id, 15);
    foreach (var m in members) await m.WaitForExitAsync();
    Console.Error.WriteLine($"  join {join:0.00} s (a plain start {plainStart:0.00} s), hidden {hidden:0.00} s, removed {removed:0.00} s, get {direct.Average():0} vs {byName.Average():0} (remoting) vs {byHttp.Average():0} (http) poems/s");
    return (join, plainStart, hidden, removed, direct, byName, byHttp);
}

async Task<double> PlainStartAsync()
{
    var text = File.ReadAllText(Path.Combine(repo, "hocon", "cluster", "node3.hocon"));
    text = Regex.Replace(text, @"poetry\.cluster \{.*?\n\}", "", RegexOptions.Singleline);
    var port = FreePort();
    text = Regex.Replace(text, @"port = 110\d\d, iface", "port = 0, iface");
    text = text.Replace("ozymandias.txt\", port = 0", $"ozymandias.txt\", port = {port}").Replace("\"poetry/", "\"" + Path.Combine(repo, "poetry") + "/");
    var file = Path.Combine(work, $"plain-{Guid.NewGuid():N}.hocon");
    File.WriteAllText(file, text);
    var expected = new FileInfo(Path.Combine(repo, "poetry", "ozymandias.txt")).Length;
    var info = new ProcessStartInfo(nodeCommand[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = work };
    foreach (var a in nodeCommand.Skip(1).Concat(["--pidfile=", "--loglevel", "warning", "run", file]))
        info.ArgumentList.Add(a);
    var clock = Stopwatch.StartNew();
    var process = Process.Start(info)!;
    started.Add(process);
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    try
    {
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                using var received = new MemoryStream();
                await client.GetStream().CopyToAsync(received);
                if (received.Length == expected) return clock.Elapsed.TotalSeconds;
            }
            catch (SocketException)
            {
            }
            await Task.Delay(5);
        }
        throw new TimeoutException("the plain node never served its poem");
    }
    finally
    {
        Libc.Kill(process.Id, 15);
        await process.WaitForExitAsync();
    }
}

Process StartMember(int index, int[] ports, int[] statusPorts, Stopwatch? traceClock = null)
{
    var text = File.ReadAllText(Path.Combine(repo, "hocon", "cluster", $"node{index + 1}.hocon"));
    text = Regex.Replace(text, @"port = 110\d\d, iface", "port = 0, iface").Replace("\"poetry/", "\"" + Path.Combine(repo, "poetry") + "/");
    var file = Path.Combine(work, $"node{index + 1}-{Guid.NewGuid():N}.hocon");
    File.WriteAllText(file, text);
    var info = new ProcessStartInfo(nodeCommand[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = work };
    foreach (var a in nodeCommand.Skip(1).Concat(["--pidfile=", "--loglevel", traceClock is null ? "warning" : "debug", "--status-port", statusPorts[index].ToString(CultureInfo.InvariantCulture),
                 "run", file, "--cluster-port", ports[index].ToString(CultureInfo.InvariantCulture),
                 "--seed", $"127.0.0.1:{ports[0]}", "--seed", $"127.0.0.1:{ports[1]}"]))
        info.ArgumentList.Add(a);
    var process = Process.Start(info)!;
    DataReceivedEventHandler onLine = traceClock is null
        ? (_, _) => { }
        : (_, e) => { if (e.Data is { } line) Console.Error.WriteLine($"    {traceClock.Elapsed.TotalMilliseconds,7:0} node{index + 1} {line}"); };
    process.OutputDataReceived += onLine;
    process.ErrorDataReceived += onLine;
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    started.Add(process);
    return process;
}

// One get, timed from its start to its exit; its CPU (user + sys, from the children's rusage, which
// counts a child once it is waited for) added to cpu when given.
async Task<double> TimedGetAsync(List<string> arguments, List<double>? cpu = null)
{
    var cpuBefore = Libc.ChildrenCpuSeconds();
    var info = new ProcessStartInfo(nodeCommand[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in nodeCommand.Skip(1).Concat(arguments)) info.ArgumentList.Add(a);
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(info)!;
    var output = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    var errors = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    await output;
    var elapsed = clock.Elapsed.TotalSeconds;
    if (process.ExitCode != 0) throw new InvalidOperationException($"get failed ({process.ExitCode}): {(await errors)[..Math.Min(500, (await errors).Length)]}");
    cpu?.Add(Libc.ChildrenCpuSeconds() - cpuBefore);
    return elapsed;
}

// One LookupProbe run: its phases (name=ms from its process's start) into probePhases.
async Task ProbeAsync(string mode, string contact)
{
    var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[] { probe!, mode, contact }) info.ArgumentList.Add(a);
    using var process = Process.Start(info)!;
    var line = await process.StandardOutput.ReadToEndAsync();
    var errors = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"LookupProbe {mode} failed ({process.ExitCode}): {errors}");
    foreach (var pair in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
    {
        var (phase, ms) = (pair[..pair.IndexOf('=')], double.Parse(pair[(pair.IndexOf('=') + 1)..], CultureInfo.InvariantCulture));
        var key = $"{mode} {phase}";
        if (!probePhases.TryGetValue(key, out var values)) probePhases[key] = values = [];
        values.Add(ms);
    }
}

async Task<CurrentCatalog> WaitCatalogAsync(IActorRef clusterClient, Func<CurrentCatalog, bool> condition, TimeSpan limit)
{
    var deadline = DateTime.UtcNow + limit;
    while (true)
    {
        try
        {
            var catalog = await clusterClient.Ask<CurrentCatalog>(new ClusterClient.Send(ServicePath, GetCatalog.Instance, localAffinity: true), TimeSpan.FromSeconds(2));
            if (condition(catalog)) return catalog;
        }
        catch (AskTimeoutException)
        {
        }
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the catalog never showed what was awaited");
        await Task.Delay(20);
    }
}

async Task<(int, double, double, long)> ScaleAsync(int services)
{
    var config = Quiet.WithFallback(ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, maximum-frame-size = 4194304b }
          cluster.downing-provider-class = ""
        }
        """).WithFallback(ConfigurationFactory.ParseString(PoetryClusterHostingExtensions.TimingsHocon(PoetryClusterSettings.Default)))
        .WithFallback(CatalogClient.SerializerConfig));
    var systems = Enumerable.Range(0, 3).Select(_ => ActorSystem.Create("poetry", config)).ToArray();
    try
    {
        var first = Akka.Cluster.Cluster.Get(systems[0]).SelfAddress;
        foreach (var s in systems) Akka.Cluster.Cluster.Get(s).Join(first);
        while (!systems.All(s => Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) == 3)) await Task.Delay(20);

        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var before = GC.GetTotalMemory(true);
        var clock = Stopwatch.StartNew();
        var catalogs = systems.Select((s, m) => s.ActorOf(CatalogActor.Props(PoetryClusterSettings.Default.Catalog with { MaxNodeBytes = 64L * 1024 * 1024 },
            LocalServiceSource.Fixed(Enumerable.Range(0, services / 3 + (m < services % 3 ? 1 : 0))
                .Select(i => new CatalogService("", $"poem-{m}-{i:00000}", "fastpoetry", $"127.0.0.1:{10000 + i % 50000}", $"poem-{m}-{i:00000}", 1000 + i, new string('a', 64)))
                .ToList())), CatalogActor.ActorName)).ToArray();
        CurrentCatalog last = null!;
        foreach (var catalog in catalogs)
        {
            while (true)
            {
                last = await catalog.Ask<CurrentCatalog>(GetCatalog.Instance, TimeSpan.FromSeconds(30));
                if (last.Services.Count == services) break;
                await Task.Delay(20);
            }
        }
        var ms = clock.Elapsed.TotalMilliseconds;
        last = null!;
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var heap = (GC.GetTotalMemory(true) - before) / 1024.0 / 1024.0;
        var bytes = new CatalogSerializer((ExtendedActorSystem)systems[0]).ToBinary(await catalogs[0].Ask<CurrentCatalog>(GetCatalog.Instance, TimeSpan.FromSeconds(30))).LongLength;
        Console.Error.WriteLine($"  {services} services: converged in {ms:0} ms, {heap:0.0} MB of heap, {bytes} bytes serialized");
        return (services, ms, heap, bytes);
    }
    finally
    {
        await Task.WhenAll(systems.Select(s => s.Terminate()));
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static void Row(string name, List<double> values, string target) =>
    Console.WriteLine($"| {name} | {Median(values):0.00} | {values.Min():0.00} | {values.Max():0.00} | {target} |");

int Option(string name, int fallback) => OptionText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? OptionText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static partial class Libc
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int KillNative(int pid, int signal);

    public static void Kill(int pid, int signal) => KillNative(pid, signal);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, [System.Runtime.InteropServices.Out] long[] usage);

    /// <summary>User + system CPU of every child that has exited and been waited for (RUSAGE_CHILDREN), in seconds.</summary>
    public static double ChildrenCpuSeconds()
    {
        // struct rusage on x86-64 Linux: ru_utime and ru_stime (timeval: seconds, microseconds), then 14 longs.
        var usage = new long[18];
        if (GetRusage(-1, usage) != 0) throw new InvalidOperationException("getrusage failed");
        return usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6;
    }
}
