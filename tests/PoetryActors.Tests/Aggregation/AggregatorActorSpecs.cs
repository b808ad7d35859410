using System.Text.RegularExpressions;
using Akka.Actor;
using PoetryActors.Aggregation;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Tests.Aggregation;

/// <summary>The aggregator's rules, each named after the DeferredList semantics it keeps or adds.</summary>
public sealed class AggregatorActorSpecs : AggregationSpec
{
    public AggregatorActorSpecs(ITestOutputHelper output)
        : base(output)
    {
    }

    private static AggregationOptions Consumed { get; } = new() { ConsumeErrors = true };

    [Fact]
    public void Results_come_back_in_request_order()
    {
        var probe = CreateTestProbe();
        var observer = CreateTestProbe();
        Aggregate(
            [.. Enumerable.Range(0, 3).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}"))],
            new AggregationOptions { Observer = observer });
        var workers = WorkersStarted(probe, 3);

        // Completion order 2, 0, 1; the observer sees that order, the result does not.
        foreach (var (index, poem) in new[] { (2, "c"), (0, "a"), (1, "b") })
        {
            workers[$"download-{index}"].Tell(new ManualWorker.Succeed(poem));
            Assert.Equal(index, observer.ExpectMsg<ItemSettled>().Index);
        }

        var result = ExpectMsg<AggregationCompleted>();
        Assert.Equal(["a", "b", "c"], result.Outcomes.Select(ValueOf));
    }

    [Fact]
    public void An_empty_list_completes_at_once()
    {
        var aggregator = Aggregate([]);
        Watch(aggregator);

        Assert.Empty(ExpectMsg<AggregationCompleted>().Outcomes);
        ExpectTerminated(aggregator);
    }

    [Fact]
    public void An_empty_list_completes_at_once_even_when_firing_on_one_success()
    {
        // Twisted's DeferredList([], fireOnOneCallback=True) never fires; ours does not hang.
        Aggregate([], new AggregationOptions { FireOnOneSuccess = true });

        Assert.Empty(ExpectMsg<AggregationCompleted>().Outcomes);
    }

    [Fact]
    public void Never_fails_by_default()
    {
        var probe = CreateTestProbe();
        Aggregate(
            [
                WorkItem.Fail(new IOException("connection refused")),
                WorkItem.Succeed("poem"),
                WorkItem.Actor(BrokenWorker.Props(), "download-2"),
                WorkItem.Task(_ => throw new InvalidOperationException("no address")),
                WorkItem.Actor(ManualWorker.Props(probe), "download-4"),
            ],
            Consumed);
        probe.ExpectMsg<ManualWorker.WorkerStarted>().Worker.Tell(new ManualWorker.Fail("bad netstring"));

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal("connection refused", FailureOf(outcomes[0]).Reason);
        Assert.Equal("poem", ValueOf(outcomes[1]));
        Assert.Equal("worker download-2 failed to start: no socket today", FailureOf(outcomes[2]).Reason);
        Assert.Equal("no address", FailureOf(outcomes[3]).Reason);
        Assert.Equal("bad netstring", FailureOf(outcomes[4]).Reason);
    }

    [Fact]
    public void The_first_error_carries_its_index()
    {
        var late = NewDeferred();
        var aggregator = Aggregate(
            [WorkItem.Succeed("a"), Deferred(late), WorkItem.Fail(new Exception("transform failed"))],
            new AggregationOptions { FireOnOneFailure = true, ConsumeErrors = true });
        Watch(aggregator);

        var error = ExpectMsg<AggregationFailed>().Error;
        Assert.Equal(2, error.Index);
        Assert.Equal("transform failed", error.Failure.Reason);
        Assert.Equal("FirstError[#2, transform failed]", error.ToString());

        // Like Twisted, the rest runs on after firing; the aggregator stops when it is done.
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        late.SetResult("b");
        ExpectTerminated(aggregator);
    }

    [Fact]
    public void Fire_on_one_failure_answers_the_full_list_when_all_succeed()
    {
        Aggregate([WorkItem.Succeed("a"), WorkItem.Succeed("b")], new AggregationOptions { FireOnOneFailure = true });

        Assert.Equal(["a", "b"], ExpectMsg<AggregationCompleted>().Outcomes.Select(ValueOf));
    }

    [Fact]
    public void Fire_on_one_success_answers_the_first_success_and_its_index()
    {
        var pending = NewDeferred();
        Aggregate(
            [WorkItem.Fail(new Exception("down")), Deferred(pending), WorkItem.Succeed("ecstasy")],
            new AggregationOptions { FireOnOneSuccess = true, ConsumeErrors = true });

        var fired = ExpectMsg<AggregationFiredOnSuccess>();
        Assert.Equal(2, fired.Index);
        Assert.Equal("ecstasy", fired.Value);
        pending.SetResult("late");
    }

    [Fact]
    public void Fire_on_one_success_answers_the_full_list_when_all_fail()
    {
        Aggregate(
            [WorkItem.Fail(new Exception("one")), WorkItem.Fail(new Exception("two"))],
            new AggregationOptions { FireOnOneSuccess = true, ConsumeErrors = true });

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal(["one", "two"], outcomes.Select(o => FailureOf(o).Reason));
    }

    [Fact]
    public void Fire_on_one_success_and_on_one_failure_fire_on_whichever_settles_first()
    {
        Aggregate(
            [WorkItem.Fail(new Exception("first")), WorkItem.Succeed("second")],
            new AggregationOptions { FireOnOneSuccess = true, FireOnOneFailure = true, ConsumeErrors = true });

        Assert.Equal(0, ExpectMsg<AggregationFailed>().Error.Index);
    }

    [Fact]
    public void Unconsumed_errors_are_reported_once_as_unhandled()
    {
        var probe = CreateTestProbe();

        var reports = new Regex(@"^Unhandled failure in aggregation item (1 'download-1': connection refused|2: d2 failure)$");

        EventFilter.Warning(reports).Expect(2, () =>
        {
            Aggregate(
                [
                    WorkItem.Actor(ManualWorker.Props(probe), "download-0"),
                    WorkItem.Actor(ManualWorker.Props(probe), "download-1"),
                    WorkItem.Fail(new Exception("d2 failure")),
                ],
                new AggregationOptions { FireOnOneFailure = true });
            var workers = WorkersStarted(probe, 2);
            workers["download-1"].Tell(new ManualWorker.Fail("connection refused"));
            workers["download-0"].Tell(new ManualWorker.Succeed("poem"));

            // The failure that fired is reported too, as Twisted does without consumeErrors.
            Assert.Equal(2, ExpectMsg<AggregationFailed>().Error.Index);
        });
    }

    [Fact]
    public void Consumed_errors_live_only_in_the_result()
    {
        EventFilter.Warning(contains: "Unhandled").Expect(0, QuietPeriod, () =>
        {
            Aggregate([WorkItem.Fail(new Exception("gone")), WorkItem.Fail(new Exception("also gone"))], Consumed);

            Assert.All(ExpectMsg<AggregationCompleted>().Outcomes, outcome => Assert.False(outcome.Succeeded));
        });
    }

    [Fact]
    public void An_errback_that_throws_leaves_the_failure_unhandled()
    {
        EventFilter.Warning(contains: "Unhandled failure in aggregation item 0: its errback threw (oops) while handling: gone").ExpectOne(() =>
        {
            Aggregate([WorkItem.Fail(new Exception("gone")).WithErrback(_ => throw new InvalidOperationException("oops"))]);

            ExpectMsg<AggregationCompleted>();
        });
    }

    [Fact]
    public void A_worker_that_dies_without_answering_is_a_failed_outcome()
    {
        var probe = CreateTestProbe();
        Aggregate([WorkItem.Actor(ManualWorker.Props(probe), "download-0")], Consumed);
        probe.ExpectMsg<ManualWorker.WorkerStarted>().Worker.Tell(ManualWorker.StopSilently.Instance);

        var failure = FailureOf(Assert.Single(ExpectMsg<AggregationCompleted>().Outcomes));
        Assert.Equal(WorkFailureKind.WorkerStopped, failure.Kind);
        Assert.Equal("worker download-0 stopped without answering", failure.Reason);
    }

    [Fact]
    public void A_worker_that_throws_is_a_failed_outcome_with_its_exception()
    {
        var probe = CreateTestProbe();
        Aggregate([WorkItem.Actor(ManualWorker.Props(probe), "download-0")], Consumed);
        probe.ExpectMsg<ManualWorker.WorkerStarted>().Worker.Tell(new ManualWorker.Crash("parse error"));

        var failure = FailureOf(Assert.Single(ExpectMsg<AggregationCompleted>().Outcomes));
        Assert.Equal(WorkFailureKind.Error, failure.Kind);
        Assert.Equal("worker download-0 crashed: parse error", failure.Reason);
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }

    [Fact]
    public void A_worker_whose_name_is_taken_is_a_failed_outcome()
    {
        Aggregate([WorkItem.Actor(InstantWorker.Props("a"), "download-0"), WorkItem.Actor(InstantWorker.Props("b"), "download-0")], Consumed);

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal("a", ValueOf(outcomes[0]));
        Assert.StartsWith("could not start worker download-0:", FailureOf(outcomes[1]).Reason);
    }

    [Fact]
    public void Workers_never_outlive_their_request()
    {
        var probe = CreateTestProbe();
        var aggregator = Aggregate([.. Enumerable.Range(0, 3).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}"))]);
        Watch(aggregator);
        var workers = WorkersStarted(probe, 3);
        foreach (var worker in workers.Values)
        {
            Watch(worker);
            worker.Tell(new ManualWorker.Succeed("poem"));
        }

        // The answer and the four ends may arrive in any order: workers stop once they report.
        var messages = ReceiveN(5);
        Assert.Single(messages.OfType<AggregationCompleted>());
        Assert.Equal([.. workers.Values, aggregator], messages.OfType<Terminated>().Select(t => t.ActorRef).ToHashSet());
    }

    [Fact]
    public void The_deadline_turns_every_unfinished_item_into_a_timeout_failure()
    {
        var probe = CreateTestProbe();
        var cancelled = CreateTestProbe();
        var aggregator = Aggregate(
            [WorkItem.Succeed("fast"), WorkItem.Actor(ManualWorker.Props(probe), "download-1"), Endless(cancelled, "slow")],
            new AggregationOptions { Deadline = TimeSpan.FromMilliseconds(300), ConsumeErrors = true });
        Watch(aggregator);
        var worker = probe.ExpectMsg<ManualWorker.WorkerStarted>().Worker;
        Watch(worker);

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal("fast", ValueOf(outcomes[0]));
        Assert.True(FailureOf(outcomes[1]).IsTimeout);
        Assert.True(FailureOf(outcomes[2]).IsTimeout);
        Assert.Equal("timed out: not finished within the aggregation's deadline of 0.3 s", FailureOf(outcomes[2]).Reason);
        cancelled.ExpectMsg("slow cancelled");
        ExpectTerminated(worker);
        ExpectTerminated(aggregator);
    }

    [Fact]
    public void The_deadline_with_fire_on_one_failure_fails_with_the_first_unfinished_item()
    {
        var cancelled = CreateTestProbe();
        Aggregate(
            [WorkItem.Succeed("fast"), Endless(cancelled, "slow-1"), Endless(cancelled, "slow-2")],
            new AggregationOptions { Deadline = TimeSpan.FromMilliseconds(300), FireOnOneFailure = true, ConsumeErrors = true });

        var error = ExpectMsg<AggregationFailed>().Error;
        Assert.Equal(1, error.Index);
        Assert.True(error.Failure.IsTimeout);
    }

    [Fact]
    public void Timeouts_are_reported_as_unhandled_unless_consumed()
    {
        var cancelled = CreateTestProbe();

        EventFilter.Warning(contains: "Unhandled failure in aggregation item 0 'slow': timed out").ExpectOne(() =>
        {
            Aggregate([Endless(cancelled, "slow")], new AggregationOptions { Deadline = TimeSpan.FromMilliseconds(200) });
            ExpectMsg<AggregationCompleted>();
        });
    }

    [Fact]
    public void After_firing_the_remaining_work_can_be_cancelled()
    {
        var probe = CreateTestProbe();
        var cancelled = CreateTestProbe();
        var observer = CreateTestProbe();

        EventFilter.Warning(contains: "Unhandled").Expect(0, QuietPeriod, () =>
        {
            var aggregator = Aggregate(
                [Endless(cancelled, "slow"), WorkItem.Actor(ManualWorker.Props(probe), "download-1"), WorkItem.Succeed("quick")],
                new AggregationOptions { FireOnOneSuccess = true, CancelRemainingAfterFiring = true, Observer = observer });
            Watch(aggregator);

            Assert.Equal(new AggregationFiredOnSuccess(2, "quick"), ExpectMsg<AggregationFiredOnSuccess>());
            cancelled.ExpectMsg("slow cancelled");
            var settled = Enumerable.Range(0, 3).Select(_ => observer.ExpectMsg<ItemSettled>()).OrderBy(s => s.Index).ToArray();
            Assert.True(FailureOf(settled[0].Outcome).IsCancelled);
            Assert.Equal("cancelled: the aggregation fired on item 2 and needs no more", FailureOf(settled[1].Outcome).Reason);
            ExpectTerminated(aggregator);
        });
    }

    [Fact]
    public void Without_cancelling_the_remaining_work_runs_on_after_firing()
    {
        var observer = CreateTestProbe();
        var late = NewDeferred();
        var aggregator = Aggregate(
            [Deferred(late), WorkItem.Succeed("quick")],
            new AggregationOptions { FireOnOneSuccess = true, Observer = observer });
        Watch(aggregator);

        Assert.Equal(1, ExpectMsg<AggregationFiredOnSuccess>().Index);
        Assert.Equal(1, observer.ExpectMsg<ItemSettled>().Index);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        late.SetResult("late");
        Assert.Equal(new ItemSettled(0, new Outcome.Success("late")), observer.ExpectMsg<ItemSettled>());
        ExpectTerminated(aggregator);
    }

    [Fact]
    public void Cancelling_an_aggregation_answers_with_its_unfinished_items_cancelled()
    {
        var cancelled = CreateTestProbe();
        var aggregator = Aggregate([WorkItem.Succeed("done"), Endless(cancelled, "slow")]);

        aggregator.Tell(CancelAggregation.Instance);

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal("done", ValueOf(outcomes[0]));
        Assert.Equal(new WorkFailure(WorkFailureKind.Cancelled, "cancelled: the aggregation was cancelled"), FailureOf(outcomes[1]));
        cancelled.ExpectMsg("slow cancelled");
    }

    [Fact]
    public void An_aggregator_stopped_from_outside_still_answers()
    {
        var pending = NewDeferred();
        var observer = CreateTestProbe();
        var aggregator = Aggregate([WorkItem.Succeed("done"), Deferred(pending)], new AggregationOptions { Observer = observer });
        observer.Watch(aggregator);

        // Stop it once it is running: a stop overtakes the request in the mailbox.
        observer.ExpectMsg<ItemSettled>();
        Sys.Stop(aggregator);

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal("cancelled: the aggregator stopped before the item finished", FailureOf(outcomes[1]).Reason);
        observer.ExpectMsg<ItemSettled>(settled => settled.Index == 1);
        observer.ExpectTerminated(aggregator);
    }

    [Fact]
    public void A_list_of_lists_gives_nested_results()
    {
        Aggregate(
            [
                WorkItem.Nested([WorkItem.Succeed(1), WorkItem.Succeed(2)]),
                WorkItem.Nested([WorkItem.Succeed(3), WorkItem.Fail(new Exception("four"))], Consumed),
                WorkItem.Nested([]),
            ]);

        var result = ExpectMsg<AggregationCompleted>();
        Assert.Equal("[(True, [(True, 1), (True, 2)]), (True, [(True, 3), (False, [Failure Error: four])]), (True, [])]", result.ToString());
        Assert.Equal([1, 2], Assert.IsAssignableFrom<IReadOnlyList<Outcome>>(ValueOf(result.Outcomes[0])).Select(ValueOf));
    }

    [Fact]
    public void A_nested_first_error_fails_its_item_with_the_first_error()
    {
        Aggregate(
            [WorkItem.Nested([WorkItem.Succeed(1), WorkItem.Fail(new Exception("bad poem"))], new AggregationOptions { FireOnOneFailure = true, ConsumeErrors = true })],
            Consumed);

        var failure = FailureOf(Assert.Single(ExpectMsg<AggregationCompleted>().Outcomes));
        Assert.Equal("the nested aggregation failed on item 1: bad poem", failure.Reason);
        Assert.Equal(1, Assert.IsType<FirstErrorException>(failure.Exception).Error.Index);
    }

    [Fact]
    public void A_keyed_aggregation_maps_each_name_to_its_outcome()
    {
        var slow = NewDeferred();
        var observer = CreateTestProbe();
        var aggregator = Sys.ActorOf(AggregatorActor.Props());
        aggregator.Tell(new AggregateKeyed(
            [
                new("science", Deferred(slow)),
                new("ecstasy", WorkItem.Succeed("poem")),
                new("cummings", WorkItem.Fail(new Exception("refused"))),
            ],
            Consumed with { Observer = observer }));
        slow.SetResult("slow poem");

        var outcomes = ExpectMsg<KeyedAggregationCompleted>().Outcomes;
        var settled = Enumerable.Range(0, 3).Select(_ => observer.ExpectMsg<ItemSettled>()).ToArray();
        Assert.Equal(["cummings", "ecstasy", "science"], settled.Select(s => s.Key).Order());
        Assert.Equal(["science", "ecstasy", "cummings"], outcomes.Keys);
        Assert.Equal("slow poem", ValueOf(outcomes["science"]));
        Assert.Equal("refused", FailureOf(outcomes["cummings"]).Reason);
    }

    [Fact]
    public void A_keyed_first_error_carries_its_key_and_index()
    {
        var aggregator = Sys.ActorOf(AggregatorActor.Props());
        aggregator.Tell(new AggregateKeyed(
            [new("ecstasy", WorkItem.Succeed("poem")), new("cummings", WorkItem.Fail(new Exception("refused")))],
            new AggregationOptions { FireOnOneFailure = true, ConsumeErrors = true }));

        Assert.Equal(new FirstError(1, WorkFailure.Error("refused"), "cummings").ToString(), ExpectMsg<AggregationFailed>().Error.ToString());
    }

    [Fact]
    public void A_keyed_aggregation_refuses_duplicate_keys()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new AggregateKeyed([new("ecstasy", WorkItem.Succeed(1)), new("ecstasy", WorkItem.Succeed(2))]));

        Assert.StartsWith("The key 'ecstasy' appears more than once", error.Message);
    }

    [Fact]
    public void A_nested_keyed_aggregation_gives_nested_names()
    {
        Aggregate([WorkItem.NestedKeyed([new("a", WorkItem.Succeed(1))]), WorkItem.Succeed(2)]);

        Assert.Equal("[(True, {a: (True, 1)}), (True, 2)]", ExpectMsg<AggregationCompleted>().ToString());
    }

    [Fact]
    public void Ten_thousand_items_settle_in_request_order()
    {
        const int count = 10_000;
        Aggregate(
        [
            .. Enumerable.Range(0, count).Select<int, WorkItem>(i => i % 2 == 0
                ? WorkItem.Succeed(i)
                : WorkItem.Actor(InstantWorker.Props(i), $"download-{i}")),
        ]);

        var outcomes = ExpectMsg<AggregationCompleted>(TimeSpan.FromSeconds(30)).Outcomes;
        Assert.Equal(Enumerable.Range(0, count).Cast<object?>(), outcomes.Select(ValueOf));
    }
}
