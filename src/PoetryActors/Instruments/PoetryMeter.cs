using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PoetryActors.Instruments;

/// <summary>
/// The library's one <see cref="System.Diagnostics.Metrics.Meter"/>, <c>PoetryActors</c>: what every
/// service does, labelled by service name (<c>service</c>). <c>dotnet-counters monitor -n poetry-node
/// --counters PoetryActors</c> shows it as it is; the node's <c>/metrics</c> exports it for Prometheus
/// (<c>poetry_connections_accepted_total</c> and so on).
/// </summary>
/// <remarks>
/// The counters are observable: the hot path only adds to a per-service <see cref="ServiceInstruments"/>
/// (an interlocked add on a field, no tag lookup, nothing at all for a listener that is not there), and
/// a collector reads the totals when it asks. Only the serve-time histogram is recorded per
/// connection, and a histogram nobody listens to costs nothing.
/// </remarks>
public static class PoetryMeter
{
    /// <summary>The meter's name, to subscribe to (OpenTelemetry's <c>AddMeter</c>, dotnet-counters' <c>--counters</c>).</summary>
    public const string Name = "PoetryActors";

    /// <summary>The label that names the service on every instrument.</summary>
    public const string ServiceLabel = "service";

    internal static readonly Meter Meter = new(Name, typeof(PoetryMeter).Assembly.GetName().Version?.ToString(3));

    /// <summary>How long a connection was served, from its accept to its last byte (or its cut), in seconds.</summary>
    internal static readonly Histogram<double> ServeDuration = Meter.CreateHistogram(
        "poetry.serve.duration", "s", "time from a connection's accept to the end of its service",
        tags: null,
        // From a poem that fits the send buffer (tens of microseconds) to a slow poem (tens of seconds).
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
        });

    static PoetryMeter()
    {
        Observe("poetry.connections.accepted", "{connection}", "connections accepted", ServiceRoles.Connections, s => s.Accepted);
        Meter.CreateObservableUpDownCounter("poetry.connections.in_flight", () => Each(ServiceRoles.Connections, s => s.InFlight), "{connection}",
            "connections accepted and still being served");
        Meter.CreateObservableCounter("poetry.connections.cut", CutMeasurements, "{connection}",
            "connections that ended before they were served in full, by reason");
        Observe("poetry.poems.served", "{poem}", "poems sent whole to a client", ServiceRoles.Poems, s => s.PoemsServed);
        Observe("poetry.poems.sent", "By", "bytes of poetry sent to clients", ServiceRoles.Poems, s => s.BytesSent);
        Meter.CreateObservableCounter("poetry.transforms", TransformMeasurements, "{request}",
            "transform requests answered, by transform and outcome");
        Observe("poetry.proxy.hits", "{request}", "proxy clients served from the cache", ServiceRoles.Proxy, s => s.CacheHits);
        Observe("poetry.proxy.misses", "{request}", "proxy clients that had to wait for an upstream fetch", ServiceRoles.Proxy, s => s.CacheMisses);
        Observe("poetry.proxy.fetches", "{fetch}", "upstream fetches a proxy started", ServiceRoles.Proxy, s => s.UpstreamFetches);
        Observe("poetry.proxy.fetch_failures", "{fetch}", "upstream fetches that brought no poem", ServiceRoles.Proxy, s => s.UpstreamFailures);
        Meter.CreateObservableCounter("poetry.downloads", DownloadMeasurements, "{download}",
            "client downloads (poetry-node get, PoetryClient) by outcome");
    }

    /// <summary>Makes sure the instruments exist (they are created with the meter, on first use of this class).</summary>
    internal static void EnsureCreated() { }

    private static void Observe(string name, string unit, string description, ServiceRoles role, Func<ServiceInstruments, long> read) =>
        Meter.CreateObservableCounter(name, () => Each(role, read), unit, description);

    // Only the services that have the role: a transform server has no poems-served series.
    private static IEnumerable<Measurement<long>> Each(ServiceRoles role, Func<ServiceInstruments, long> read)
    {
        foreach (var service in ServiceInstruments.All)
        {
            if ((service.Roles & role) != 0)
            {
                yield return new Measurement<long>(read(service), service.Tag);
            }
        }
    }

    private static IEnumerable<Measurement<long>> CutMeasurements()
    {
        foreach (var service in ServiceInstruments.All)
        {
            foreach (var reason in Enum.GetValues<CutReason>())
            {
                var count = service.Cut(reason);
                if (count > 0)
                {
                    yield return new Measurement<long>(count, service.Tag, new KeyValuePair<string, object?>("reason", CutReasonLabels.Of(reason)));
                }
            }
        }
    }

    private static IEnumerable<Measurement<long>> TransformMeasurements()
    {
        foreach (var service in ServiceInstruments.All)
        {
            foreach (var ((transform, outcome), count) in service.Transforms)
            {
                yield return new Measurement<long>(count, service.Tag,
                    new KeyValuePair<string, object?>("transform", transform), new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
    }

    private static IEnumerable<Measurement<long>> DownloadMeasurements()
    {
        foreach (var (outcome, count) in DownloadInstruments.Counts)
        {
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>A timestamp for <see cref="ServiceInstruments.ConnectionEnded"/>.</summary>
    internal static long Now() => Stopwatch.GetTimestamp();
}

/// <summary>The label values of <see cref="CutReason"/>, made once.</summary>
internal static class CutReasonLabels
{
    private static readonly string[] Labels = Enum.GetValues<CutReason>().Select(r => r.ToString().ToLowerInvariant()).ToArray();

    public static string Of(CutReason reason) => Labels[(int)reason];
}
