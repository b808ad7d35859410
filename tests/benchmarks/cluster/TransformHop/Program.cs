// Where the time of one cluster transform goes, measured piece by piece in one process:
//   dotnet TransformHop.dll POEM_FILE [requests] [rounds]
// 1. serializer: ToBinary + FromBinary of one part and of its answer (our binary layout), per request;
// 2. local: the router and a transform service in one actor system (Ask, router, provider, answer:
//    everything but remoting), N requests at once;
// 3. remote: the same across two actor systems joined by Akka.Remote over loopback (the hop the
//    get --cluster --transform path takes), N requests at once;
// 4. tcp: the same poems to a transform server's wire code over TCP, one connection each (what
//    --xform does), N requests at once.
// Per piece: requests/s, p50 and p99 latency, and CPU microseconds per request of this process.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Cluster.Transforms;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Services;
using PoetryActors.Transform;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

var poem = File.ReadAllBytes(args.Length > 0 ? args[0] : throw new ArgumentException("usage: TransformHop POEM_FILE [requests] [rounds]"));
var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4000;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var limits = FetchLimits.Default;
var inv = CultureInfo.InvariantCulture;

Config Remote(string name) => ConfigurationFactory.ParseString($$"""
    akka {
      loglevel = WARNING
      stdout-loglevel = OFF
      actor.provider = remote
      remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
      remote.log-remote-lifecycle-events = off
    }
    """).WithFallback(ClusterTransformSerializer.Config);

var provider = ActorSystem.Create("poetry", Remote("poetry"));
var client = ActorSystem.Create("poetry-get", Remote("poetry-get"));
var listener = new TcpListener(IPAddress.Loopback, 0);
try
{
    var service = provider.ActorOf(TransformServiceActor.Props(TransformRegistry.Default, 99_999, ClusterTransformSettings.Default), "xf");
    await service.Ask<object>(ServiceProtocol.StartService.Instance, TimeSpan.FromSeconds(10));
    var providerAddress = ((ExtendedActorSystem)provider).Provider.DefaultAddress;
    var remote = new TransformProvider(providerAddress.ToString(), $"{providerAddress}/user/xf", NetAddress.Parse("127.0.0.1:1"), true);
    var remoteRouter = client.ActorOf(TransformRouterActor.ForProviders(ClusterTransformSettings.Default, [remote]), "remote-router");
    var localRouter = provider.ActorOf(TransformRouterActor.ForProviders(ClusterTransformSettings.Default, [remote]), "local-router");

    // The TCP baseline: the transform server's own connection handler behind an accept loop.
    var handler = new TransformConnectionHandler(new TransformRequestProcessor(TransformRegistry.Default), 99_999, TimeSpan.FromSeconds(10), provider.Log);
    listener.Start(4096);
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    _ = Task.Run(() => ServeAsync(listener, handler));
    var tcp = NetAddress.Parse($"127.0.0.1:{port}");

    var serializer = new ClusterTransformSerializer((ExtendedActorSystem)client);
    Console.WriteLine($"{requests} requests of {poem.Length} bytes at once, {rounds} rounds; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    Console.WriteLine("piece\tround\trequests_per_s\tp50_ms\tp99_ms\tcpu_us_per_request\tfailed");
    // One throwaway round of each: JIT and the first association stay out of the figures.
    await Measure("warm-up", () => Task.FromResult(Serialize(serializer, poem)), requests, print: false);
    await Measure("warm-up", () => ClusterTransforms.TransformAsync(localRouter, "cummingsify", poem, limits, TimeSpan.FromSeconds(60)), requests, print: false);
    await Measure("warm-up", () => ClusterTransforms.TransformAsync(remoteRouter, "cummingsify", poem, limits, TimeSpan.FromSeconds(60)), requests, print: false);
    await Measure("warm-up", () => TransformClient.TransformAsync(tcp, "cummingsify", poem, limits, TimeSpan.FromSeconds(60)), requests, print: false);
    for (var round = 1; round <= rounds; round++)
    {
        await Measure($"serializer\t{round}", () => Task.FromResult(Serialize(serializer, poem)), requests);
        await Measure($"local\t{round}", () => ClusterTransforms.TransformAsync(localRouter, "cummingsify", poem, limits, TimeSpan.FromSeconds(60)), requests);
        await Measure($"remote\t{round}", () => ClusterTransforms.TransformAsync(remoteRouter, "cummingsify", poem, limits, TimeSpan.FromSeconds(60)), requests);
        await Measure($"tcp\t{round}", () => TransformClient.TransformAsync(tcp, "cummingsify", poem, limits, TimeSpan.FromSeconds(60)), requests);
    }
}
finally
{
    listener.Stop();
    await Task.WhenAll(client.Terminate(), provider.Terminate());
}

static TransformResult Serialize(ClusterTransformSerializer serializer, byte[] poem)
{
    var clock = Stopwatch.StartNew();
    var part = new TransformPart(1, "cummingsify", 0, 1, poem);
    var back = (TransformPart)serializer.FromBinary(serializer.ToBinary(part), serializer.Manifest(part));
    var answer = new TransformedPart(1, 0, 1, back.Bytes);
    var received = (TransformedPart)serializer.FromBinary(serializer.ToBinary(answer), serializer.Manifest(answer));
    return new TransformResult.Transformed(received.Bytes, clock.Elapsed);
}

async Task Measure(string name, Func<Task<TransformResult>> one, int count, bool print = true)
{
    GC.Collect();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var latencies = new double[count];
    var failed = 0;
    await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
    {
        var started = clock.Elapsed;
        var result = await one().ConfigureAwait(false);
        latencies[i] = (clock.Elapsed - started).TotalMilliseconds;
        if (result is TransformResult.Failed)
        {
            Interlocked.Increment(ref failed);
        }
    }));
    var elapsed = clock.Elapsed.TotalSeconds;
    var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / count;
    Array.Sort(latencies);
    if (print)
    {
        Console.WriteLine(string.Join('\t', name, (count / elapsed).ToString("0", inv), latencies[count / 2].ToString("0.00", inv),
            latencies[Math.Min(count - 1, count * 99 / 100)].ToString("0.00", inv), used.ToString("0", inv), failed));
    }
}

static async Task ServeAsync(TcpListener listener, TransformConnectionHandler handler)
{
    while (true)
    {
        Socket socket;
        try
        {
            socket = await listener.AcceptSocketAsync();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            using (socket)
            {
                await handler.ServeAsync(socket, CancellationToken.None);
            }
        });
    }
}
