using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using PoetryActors.Instruments;

namespace PoetryActors.Benchmarks.Instruments;

/// <summary>
/// What the instruments cost one connection of a poem server: the accept, the poem and its bytes,
/// the end with its serve-time record, as the accept loop and the handler make them. Without a
/// listener (the status endpoint off), with OpenTelemetry's meter provider listening (as the
/// status endpoint's /metrics does), and with a bare <see cref="MeterListener"/> (as dotnet-counters
/// does), so that the per-connection cost of each is a figure, not a guess.
/// </summary>
/// <remarks>dotnet run -c Release --project tests/PoetryActors.Benchmarks -- --filter '*ConnectionInstruments*'</remarks>
[MemoryDiagnoser]
public class ConnectionInstrumentsBenchmarks
{
    private readonly ServiceInstruments _instruments = ServiceInstruments.For("bench-" + Guid.NewGuid().ToString("N")[..8]);
    private IDisposable? _listening;

    [Params("none", "opentelemetry", "meter-listener")]
    public string Listener { get; set; } = "none";

    [GlobalSetup]
    public void Listen()
    {
        _instruments.Offering(ServiceRoles.Connections | ServiceRoles.Poems);
        _listening = Listener switch
        {
            "opentelemetry" => Sdk.CreateMeterProviderBuilder().AddMeter(PoetryMeter.Name)
                .AddReader(new BaseExportingMetricReader(new DiscardingExporter())).Build(),
            "meter-listener" => BareListener(),
            _ => null,
        };
    }

    [GlobalCleanup]
    public void Stop() => _listening?.Dispose();

    [Benchmark(Description = "one connection: accepted, poem sent, ended")]
    public void One_connection()
    {
        var acceptedAt = _instruments.ConnectionAccepted();
        _instruments.PoemSent(2990);
        _instruments.ConnectionEnded(acceptedAt);
    }

    private static MeterListener BareListener()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PoetryMeter.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        double sum = 0;
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => sum += value);
        listener.Start();
        return listener;
    }

    /// <summary>Collects and drops: only the recording side is measured.</summary>
    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
