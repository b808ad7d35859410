using Akka.Actor;
using PoetryActors.Aggregation;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Tests.Aggregation;

/// <summary>The entry point for code outside actors, and the <see cref="AggregationsActor"/> it can go through.</summary>
public sealed class AggregatorSpecs : AggregationSpec
{
    public AggregatorSpecs(ITestOutputHelper output)
        : base(output)
    {
    }

    [Fact]
    public async Task Run_returns_the_one_answer_of_a_top_level_aggregator()
    {
        var result = await Aggregator.RunAsync(Sys, [WorkItem.Succeed("d1 result"), WorkItem.FromTask(_ => Task.FromResult(42))]);

        Assert.Equal("[(True, d1 result), (True, 42)]", result.ToString());
    }

    [Fact]
    public async Task Aggregators_live_under_the_aggregations_parent_and_never_outlive_their_request()
    {
        var downloads = Sys.ActorOf(AggregationsActor.Props(), "downloads");
        var probe = CreateTestProbe();

        var running = Aggregator.AllSettledAsync(downloads, [WorkItem.Actor(ManualWorker.Props(probe), "download-0")]);
        var worker = probe.ExpectMsg<ManualWorker.WorkerStarted>().Worker;
        Assert.Equal("/user/downloads/aggregator-1/download-0", worker.Path.ToStringWithoutAddress());
        var aggregator = await Sys.ActorSelection("/user/downloads/aggregator-1").ResolveOne(TimeSpan.FromSeconds(3));
        Watch(aggregator);
        Watch(worker);
        worker.Tell(new ManualWorker.Succeed("poem"));

        Assert.Equal("poem", ValueOf(Assert.Single(await running)));
        // Both end; the two notifications come from different actors, so in either order.
        var ended = new[] { ExpectMsg<Terminated>().ActorRef, ExpectMsg<Terminated>().ActorRef };
        Assert.Contains(worker, ended);
        Assert.Contains(aggregator, ended);
    }

    [Fact]
    public async Task Each_request_to_the_aggregations_parent_gets_its_own_aggregator()
    {
        var downloads = Sys.ActorOf(AggregationsActor.Props(), "downloads");
        var observer = CreateTestProbe();
        var options = new AggregationOptions { Observer = observer };

        await Task.WhenAll(
            Aggregator.RunAsync(downloads, [WorkItem.Succeed(1)], options),
            Aggregator.RunAsync(downloads, [WorkItem.Succeed(2)], options));

        var names = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            observer.ExpectMsg<ItemSettled>();
            names.Add(observer.LastSender.Path.ToStringWithoutAddress());
        }

        Assert.Equal(["/user/downloads/aggregator-1", "/user/downloads/aggregator-2"], names.Order());
    }

    [Fact]
    public async Task All_settled_returns_every_outcome_in_request_order_and_consumes_errors()
    {
        IReadOnlyList<Outcome> outcomes = [];

        await EventFilter.Warning(contains: "Unhandled").ExpectAsync(0, async () =>
            outcomes = await Aggregator.AllSettledAsync(Sys, [WorkItem.Fail(new Exception("refused")), WorkItem.Succeed("poem")]),
            QuietPeriod);

        Assert.Equal("refused", FailureOf(outcomes[0]).Reason);
        Assert.Equal("poem", ValueOf(outcomes[1]));
    }

    [Fact]
    public async Task All_settled_refuses_to_fire_on_one()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Aggregator.AllSettledAsync(Sys, [WorkItem.Succeed(1)], new AggregationOptions { FireOnOneSuccess = true }));
    }

    [Fact]
    public async Task All_settled_by_key_is_a_deferred_dict()
    {
        var outcomes = await Aggregator.AllSettledKeyedAsync(
            Sys,
            new Dictionary<string, WorkItem> { ["ecstasy"] = WorkItem.Succeed("poem"), ["science"] = WorkItem.Fail(new Exception("refused")) });

        Assert.Equal(["ecstasy", "science"], outcomes.Keys);
        Assert.Equal("poem", ValueOf(outcomes["ecstasy"]));
        Assert.Equal("refused", FailureOf(outcomes["science"]).Reason);
    }

    [Fact]
    public async Task Gather_results_returns_the_plain_values_in_request_order()
    {
        var late = NewDeferred();
        var gathering = Aggregator.GatherResultsAsync(Sys, [Deferred(late), WorkItem.Succeed("b"), WorkItem.FromTask(_ => Task.FromResult(3))]);
        late.SetResult("a");

        Assert.Equal(["a", "b", 3], await gathering);
    }

    [Fact]
    public async Task Gather_results_of_nothing_is_an_empty_list()
    {
        Assert.Empty(await Aggregator.GatherResultsAsync(Sys, []));
    }

    [Fact]
    public async Task Gather_results_throws_the_first_error_with_its_index()
    {
        var error = await Assert.ThrowsAsync<FirstErrorException>(() => Aggregator.GatherResultsAsync(
            Sys,
            [WorkItem.Succeed("a"), WorkItem.Fail(new IOException("connection refused"))],
            new AggregationOptions { ConsumeErrors = true }));

        Assert.Equal(1, error.Error.Index);
        Assert.Equal("connection refused", error.Error.Failure.Reason);
        Assert.IsType<IOException>(error.InnerException);
    }

    [Fact]
    public async Task Cancelling_the_token_abandons_the_aggregation_and_stops_its_work()
    {
        var probe = CreateTestProbe();
        var cancelled = CreateTestProbe();
        using var cancellation = new CancellationTokenSource();

        var running = Aggregator.RunAsync(
            Sys,
            [Endless(cancelled, "slow"), WorkItem.Actor(ManualWorker.Props(probe), "download-1")],
            cancellationToken: cancellation.Token);
        var worker = probe.ExpectMsg<ManualWorker.WorkerStarted>().Worker;
        Watch(worker);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        cancelled.ExpectMsg("slow cancelled");
        ExpectTerminated(worker);
    }

    [Fact]
    public async Task Typed_tasks_are_cancelled_when_the_deadline_passes()
    {
        var outcomes = await Aggregator.AllSettledAsync(
            Sys,
            [WorkItem.FromTask(async token => { await Task.Delay(Timeout.Infinite, token); return 1; })],
            new AggregationOptions { Deadline = TimeSpan.FromMilliseconds(200), ConsumeErrors = true });

        Assert.True(FailureOf(Assert.Single(outcomes)).IsTimeout);
    }
}
