using Akka.Actor;
using Akka.Configuration;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PoetryActors.Aggregation;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Benchmarks.Aggregation;

/// <summary>
/// The aggregator's own cost per item: every item is instant (an already-completed Task, or a
/// worker that reports as it starts), so what is measured is the aggregation machinery: creating
/// the aggregator, starting and settling each item, building the result, answering the asker.
/// The "Per item" column is the mean divided by the number of items. A short job is enough for
/// per-item numbers and keeps a run near a minute on a 2-core machine.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[Config(typeof(PerItemConfig))]
public class AggregatorOverheadBenchmarks
{
    private static readonly Task<object?> Done = Task.FromResult<object?>("poem");

    private ActorSystem _system = null!;
    private WorkItem[] _instantTasks = [];
    private WorkItem[] _instantWorkers = [];

    /// <summary>Items in one aggregation.</summary>
    [Params(1, 100, 10_000)]
    public int Items { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("benchmarks", ConfigurationFactory.ParseString("""
            akka {
              loglevel = WARNING
              log-dead-letters = off
              actor.debug.unhandled = off
            }
            """));
        var worker = InstantWorker.Props("poem");
        _instantTasks = [.. Enumerable.Range(0, Items).Select(_ => WorkItem.Task(_ => Done))];
        _instantWorkers = [.. Enumerable.Range(0, Items).Select(i => WorkItem.Actor(worker, $"download-{i}"))];
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Description = "TaskWork, completed tasks")]
    public Task<AggregationResult> InstantTasks() => Aggregator.RunAsync(_system, _instantTasks);

    [Benchmark(Description = "ActorWork, trivial worker")]
    public Task<AggregationResult> InstantWorkers() => Aggregator.RunAsync(_system, _instantWorkers);

    /// <summary>A worker that reports success as soon as it starts.</summary>
    private sealed class InstantWorker : UntypedActor
    {
        private readonly object? _value;

        public InstantWorker(object? value) => _value = value;

        public static Props Props(object? value) => Akka.Actor.Props.Create(() => new InstantWorker(value));

        protected override void PreStart() => Context.Parent.Tell(new WorkSucceeded(_value));

        protected override void OnReceive(object message) => Unhandled(message);
    }

    private sealed class PerItemConfig : ManualConfig
    {
        public PerItemConfig() => AddColumn(new PerItemColumn());
    }

    /// <summary>Mean time divided by the number of items: the overhead per item.</summary>
    private sealed class PerItemColumn : IColumn
    {
        public string Id => nameof(PerItemColumn);

        public string ColumnName => "Per item";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => "Mean time per item (Mean / Items)";

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } statistics)
            {
                return "NA";
            }

            var items = (int)benchmarkCase.Parameters[nameof(Items)];
            return $"{statistics.Mean / items / 1000.0:N2} μs";
        }
    }
}
