using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PoetryActors.Instruments;

namespace PoetryActors.Tests.Instruments;

/// <summary>
/// What a <see cref="MeterListener"/> (the way dotnet-counters and OpenTelemetry read a meter)
/// sees of the <c>PoetryActors</c> meter for one service: the latest value of each observable
/// counter by its labels, and every histogram measurement. Other tests' services run in the same
/// process at the same time, so everything is filtered by the <c>service</c> label.
/// </summary>
internal sealed class MeterReading : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _service;
    private readonly ConcurrentDictionary<string, long> _latest = new();
    private readonly ConcurrentQueue<(string Instrument, double Value)> _recorded = new();

    public MeterReading(string service)
    {
        _service = service;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PoetryMeter.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (Labels(tags) is { } labels && labels.Service == _service)
            {
                _recorded.Enqueue((instrument.Name, value));
            }
        });
        _listener.Start();
    }

    /// <summary>Reads every observable instrument now (what a scrape does).</summary>
    public MeterReading Collect()
    {
        _listener.RecordObservableInstruments();
        return this;
    }

    /// <summary>The value of <paramref name="instrument"/> for the service with the other labels given as <c>key=value</c>; 0 when it was not reported.</summary>
    public long Value(string instrument, params string[] labels) =>
        _latest.TryGetValue(Key(instrument, labels.Order(StringComparer.Ordinal)), out var value) ? value : 0;

    /// <summary>Whether <paramref name="instrument"/> was reported for the service at all.</summary>
    public bool Reported(string instrument) => _latest.Keys.Any(k => k.StartsWith(instrument + "|", StringComparison.Ordinal));

    /// <summary>The histogram measurements of <paramref name="instrument"/> for the service.</summary>
    public IReadOnlyList<double> Recorded(string instrument) => _recorded.Where(r => r.Instrument == instrument).Select(r => r.Value).ToList();

    /// <summary>Collects until <paramref name="condition"/> holds or <paramref name="deadline"/> passes; returns whether it held.</summary>
    public async Task<bool> WaitForAsync(Func<MeterReading, bool> condition, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (!condition(Collect()))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(20);
        }
        return true;
    }

    public void Dispose() => _listener.Dispose();

    private void Keep(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Labels(tags) is not { } labels || labels.Service != _service)
        {
            return;
        }

        _latest[Key(instrument.Name, labels.Others)] = value;
    }

    private static (string Service, IEnumerable<string> Others)? Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? service = null;
        var others = new List<string>();
        foreach (var tag in tags)
        {
            if (tag.Key == PoetryMeter.ServiceLabel)
            {
                service = tag.Value as string;
            }
            else
            {
                others.Add($"{tag.Key}={tag.Value}");
            }
        }
        return service is null ? null : (service, others.Order(StringComparer.Ordinal).ToList());
    }

    private static string Key(string instrument, IEnumerable<string> labels) => instrument + "|" + string.Join(",", labels);
}
