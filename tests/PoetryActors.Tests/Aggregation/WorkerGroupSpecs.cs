using Akka.Actor;
using PoetryActors.Aggregation;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Tests.Aggregation;

/// <summary>
/// A request of more worker actors than a group holds puts them in groups (<c>group-&lt;g&gt;</c>
/// under the aggregator, the workers under their group) and keeps every rule of the flat
/// aggregation: request order, a failure per item with the same reasons, no worker outliving its
/// request, the deadline, cancelling the rest. Groups of 2 here, so that a handful of workers is
/// enough.
/// </summary>
public sealed class WorkerGroupSpecs : AggregationSpec
{
    private const int GroupSize = 2;

    public WorkerGroupSpecs(ITestOutputHelper output)
        : base(output)
    {
    }

    [Fact]
    public void Grouped_results_come_back_in_request_order_with_the_observer_told_each_item()
    {
        var probe = CreateTestProbe();
        var observer = CreateTestProbe();
        var aggregator = AggregateInGroups(
            [
                WorkItem.Actor(ManualWorker.Props(probe), "download-0"),
                WorkItem.Succeed("instant"),
                .. Enumerable.Range(2, 3).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}")),
            ],
            new AggregationOptions { Observer = observer });
        var workers = WorkersStarted(probe, 4);
        Assert.Equal(1, observer.ExpectMsg<ItemSettled>().Index);

        // Four workers in groups of two: download-0 and download-2, then download-3 and download-4.
        var aggregatorPath = aggregator.Path.ToStringWithoutAddress();
        Assert.Equal($"{aggregatorPath}/group-0/download-0", workers["download-0"].Path.ToStringWithoutAddress());
        Assert.Equal($"{aggregatorPath}/group-0/download-2", workers["download-2"].Path.ToStringWithoutAddress());
        Assert.Equal($"{aggregatorPath}/group-1/download-3", workers["download-3"].Path.ToStringWithoutAddress());
        Assert.Equal($"{aggregatorPath}/group-1/download-4", workers["download-4"].Path.ToStringWithoutAddress());

        foreach (var index in new[] { 4, 0, 3, 2 })
        {
            workers[$"download-{index}"].Tell(new ManualWorker.Succeed($"poem {index}"));
            Assert.Equal(index, observer.ExpectMsg<ItemSettled>().Index);
        }

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal(["poem 0", "instant", "poem 2", "poem 3", "poem 4"], outcomes.Select(ValueOf));
    }

    [Fact]
    public void A_grouped_worker_that_dies_throws_fails_or_cannot_start_is_a_failed_outcome_saying_so()
    {
        var probe = CreateTestProbe();
        AggregateInGroups(
            [
                WorkItem.Actor(ManualWorker.Props(probe), "download-0"),
                WorkItem.Actor(ManualWorker.Props(probe), "download-1"),
                WorkItem.Actor(BrokenWorker.Props(), "download-2"),
                WorkItem.Actor(ManualWorker.Props(probe), "download-3"),
                WorkItem.Actor(InstantWorker.Props("a"), "download-4"),
                WorkItem.Actor(InstantWorker.Props("b"), "download-4"),
            ],
            new AggregationOptions { ConsumeErrors = true });
        var workers = WorkersStarted(probe, 3);
        workers["download-0"].Tell(ManualWorker.StopSilently.Instance);
        workers["download-1"].Tell(new ManualWorker.Crash("parse error"));
        workers["download-3"].Tell(new ManualWorker.Fail("bad netstring"));

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal(WorkFailureKind.WorkerStopped, FailureOf(outcomes[0]).Kind);
        Assert.Equal("worker download-0 stopped without answering", FailureOf(outcomes[0]).Reason);
        Assert.Equal("worker download-1 crashed: parse error", FailureOf(outcomes[1]).Reason);
        Assert.IsType<InvalidOperationException>(FailureOf(outcomes[1]).Exception);
        Assert.Equal("worker download-2 failed to start: no socket today", FailureOf(outcomes[2]).Reason);
        Assert.Equal("bad netstring", FailureOf(outcomes[3]).Reason);
        Assert.Equal("a", ValueOf(outcomes[4]));
        Assert.StartsWith("could not start worker download-4:", FailureOf(outcomes[5]).Reason);
    }

    [Fact]
    public async Task Grouped_workers_and_their_groups_never_outlive_their_request()
    {
        var probe = CreateTestProbe();
        var aggregator = AggregateInGroups([.. Enumerable.Range(0, 3).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}"))]);
        Watch(aggregator);
        var workers = WorkersStarted(probe, 3);
        var groups = new HashSet<IActorRef>();
        foreach (var worker in workers.Values)
        {
            groups.Add(await Sys.ActorSelection(worker.Path.Parent).ResolveOne(TimeSpan.FromSeconds(3)));
        }

        Assert.Equal(2, groups.Count);
        foreach (var actor in workers.Values.Concat(groups))
        {
            Watch(actor);
        }

        foreach (var worker in workers.Values)
        {
            worker.Tell(new ManualWorker.Succeed("poem"));
        }

        // The answer and the six ends may arrive in any order.
        var messages = ReceiveN(7);
        Assert.Single(messages.OfType<AggregationCompleted>());
        Assert.Equal([.. workers.Values, .. groups, aggregator], messages.OfType<Terminated>().Select(t => t.ActorRef).ToHashSet());
    }

    [Fact]
    public void The_deadline_turns_every_unfinished_grouped_worker_into_a_timeout_failure_and_stops_it()
    {
        var probe = CreateTestProbe();
        AggregateInGroups(
            [.. Enumerable.Range(0, 3).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}"))],
            new AggregationOptions { Deadline = TimeSpan.FromMilliseconds(300), ConsumeErrors = true });
        var workers = WorkersStarted(probe, 3);
        foreach (var worker in workers.Values)
        {
            Watch(worker);
        }

        workers["download-1"].Tell(new ManualWorker.Succeed("in time"));

        var messages = ReceiveN(4, TimeSpan.FromSeconds(10));
        var outcomes = Assert.Single(messages.OfType<AggregationCompleted>()).Outcomes;
        Assert.Equal(WorkFailureKind.Timeout, FailureOf(outcomes[0]).Kind);
        Assert.Equal("in time", ValueOf(outcomes[1]));
        Assert.Equal(WorkFailureKind.Timeout, FailureOf(outcomes[2]).Kind);
        Assert.Equal(3, messages.OfType<Terminated>().Count());
    }

    [Fact]
    public void After_a_grouped_worker_fails_first_the_remaining_grouped_workers_can_be_cancelled()
    {
        var probe = CreateTestProbe();
        AggregateInGroups(
            [.. Enumerable.Range(0, 4).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}"))],
            new AggregationOptions { FireOnOneFailure = true, CancelRemainingAfterFiring = true, ConsumeErrors = true });
        var workers = WorkersStarted(probe, 4);
        foreach (var worker in workers.Values)
        {
            Watch(worker);
        }

        workers["download-2"].Tell(new ManualWorker.Fail("refused"));

        var messages = ReceiveN(5, TimeSpan.FromSeconds(10));
        var error = Assert.Single(messages.OfType<AggregationFailed>()).Error;
        Assert.Equal(2, error.Index);
        Assert.Equal("refused", error.Failure.Reason);
        Assert.Equal(4, messages.OfType<Terminated>().Count());
    }

    [Fact]
    public async Task A_group_stopped_from_outside_fails_its_unsettled_items_as_stopped_workers()
    {
        var probe = CreateTestProbe();
        var observer = CreateTestProbe();
        AggregateInGroups(
            [.. Enumerable.Range(0, 4).Select(i => WorkItem.Actor(ManualWorker.Props(probe), $"download-{i}"))],
            new AggregationOptions { ConsumeErrors = true, Observer = observer });
        var workers = WorkersStarted(probe, 4);
        workers["download-0"].Tell(new ManualWorker.Succeed("poem 0"));
        Assert.Equal(0, observer.ExpectMsg<ItemSettled>().Index);
        var group = await Sys.ActorSelection(workers["download-1"].Path.Parent).ResolveOne(TimeSpan.FromSeconds(3));
        Sys.Stop(group);
        workers["download-2"].Tell(new ManualWorker.Succeed("poem 2"));
        workers["download-3"].Tell(new ManualWorker.Succeed("poem 3"));

        var outcomes = ExpectMsg<AggregationCompleted>().Outcomes;
        Assert.Equal("poem 0", ValueOf(outcomes[0]));
        Assert.Equal("worker download-1 stopped without answering", FailureOf(outcomes[1]).Reason);
        Assert.Equal(["poem 2", "poem 3"], outcomes.Skip(2).Select(ValueOf));
    }

    [Fact]
    public void Ten_thousand_workers_in_the_default_groups_settle_in_request_order()
    {
        const int count = 10_000;
        var aggregator = Sys.ActorOf(AggregatorActor.Props());
        aggregator.Tell(new Aggregate([.. Enumerable.Range(0, count).Select(i => WorkItem.Actor(InstantWorker.Props(i), $"download-{i}"))], AggregationOptions.Default), TestActor);

        var outcomes = ExpectMsg<AggregationCompleted>(TimeSpan.FromSeconds(30)).Outcomes;
        Assert.Equal(Enumerable.Range(0, count).Cast<object?>(), outcomes.Select(ValueOf));
    }

    private IActorRef AggregateInGroups(IReadOnlyList<WorkItem> items, AggregationOptions? options = null)
    {
        var aggregator = Sys.ActorOf(AggregatorActor.Props(GroupSize));
        aggregator.Tell(new Aggregate(items, options ?? AggregationOptions.Default), TestActor);
        return aggregator;
    }
}
