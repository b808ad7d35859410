// Measures the two exporters the status endpoint could use for /metrics, on the node's own
// shape of instruments (one meter; per service eleven observable counters and a serve-time
// histogram, labelled by service), in one process, one after the other:
//   - the hot path: ns per histogram record while the exporter listens (the only instrument
//     recorded per connection; the counters are observable and cost the exporter nothing until a scrape),
//   - a scrape over HTTP of N services: median time and size.
// Usage: dotnet run -c Release -- [services] [records]
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using OpenTelemetry;
using OpenTelemetry.Metrics;

var services = args.Length > 0 ? int.Parse(args[0]) : 100;
var records = args.Length > 1 ? int.Parse(args[1]) : 2_000_000;
double[] buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60];
string[] counters = ["accepted", "in_flight", "cut", "poems.served", "poems.sent", "transforms", "proxy.hits", "proxy.misses", "proxy.fetches", "proxy.fetch_failures", "downloads"];

Console.WriteLine($"exporter            | record ns (1 thread) | scrape ms (median of 30) | scrape bytes | {services} services");
Run("opentelemetry", meterName =>
{
    var port = FreePort();
    var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meterName)
        .AddPrometheusHttpListener(o => { o.Host = "127.0.0.1"; o.Port = port; o.ScrapeResponseCacheDurationMilliseconds = 0; })
        .Build();
    return (provider, $"http://127.0.0.1:{port}/metrics");
});
Run("prometheus-net", meterName =>
{
    var port = FreePort();
    var registry = Prometheus.Metrics.NewCustomRegistry();
    var adapter = Prometheus.MeterAdapter.StartListening(new Prometheus.MeterAdapterOptions
    {
        Registry = registry,
        InstrumentFilterPredicate = instrument => instrument.Meter.Name == meterName,
    });
    var server = new Prometheus.MetricServer("127.0.0.1", port, registry: registry).Start();
    return (new Both(adapter, server), $"http://127.0.0.1:{port}/metrics");
});

void Run(string name, Func<string, (IDisposable Exporter, string Url)> start)
{
    var meterName = "Bench." + name;
    using var meter = new Meter(meterName);
    var histogram = meter.CreateHistogram("poetry.serve.duration", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });
    var tags = Enumerable.Range(1, services).Select(i => new KeyValuePair<string, object?>("service", $"poem-{i}")).ToArray();
    long tick = 0;
    foreach (var counter in counters)
        meter.CreateObservableCounter("poetry." + counter, () => tags.Select(t => new Measurement<long>(Interlocked.Increment(ref tick), t)));

    var (exporter, url) = start(meterName);
    using (exporter)
    {
        foreach (var tag in tags) histogram.Record(0.001, tag);
        // Warm up, then time the records a connection makes.
        for (var i = 0; i < records / 10; i++) histogram.Record(0.0003, tags[i % services]);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < records; i++) histogram.Record(0.0003 + (i & 7) * 0.0001, tags[i % services]);
        var recordNs = clock.Elapsed.TotalNanoseconds / records;

        // prometheus-net's adapter reads observable instruments on a timer (10 s by default): wait for it, for both.
        Thread.Sleep(TimeSpan.FromSeconds(11));
        using var http = new HttpClient();
        var size = 0;
        var times = new List<double>();
        for (var i = 0; i < 35; i++)
        {
            var start2 = Stopwatch.GetTimestamp();
            var body = http.GetByteArrayAsync(url).GetAwaiter().GetResult();
            if (i >= 5) times.Add(Stopwatch.GetElapsedTime(start2).TotalMilliseconds);
            size = body.Length;
            if (i == 34 && Environment.GetEnvironmentVariable("SHOW") is not null) Console.WriteLine(System.Text.Encoding.UTF8.GetString(body)[..Math.Min(600, body.Length)]);
        }
        times.Sort();
        Console.WriteLine($"{name,-19} | {recordNs,20:0.0} | {times[times.Count / 2],24:0.00} | {size,12} |");
    }
}

static int FreePort()
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}

sealed class Both(IDisposable first, IDisposable second) : IDisposable
{
    public void Dispose()
    {
        second.Dispose();
        first.Dispose();
    }
}
