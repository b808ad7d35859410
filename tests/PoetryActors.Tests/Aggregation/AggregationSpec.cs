using Akka.Actor;
using Akka.TestKit;
using PoetryActors.Aggregation;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Tests.Aggregation;

/// <summary>The TestKit set-up and helpers that the aggregation scenarios share.</summary>
public abstract class AggregationSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Hocon = """
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          actor.debug.unhandled = off
          test.single-expect-default = 5s
        }
        """;

    /// <summary>How long to listen for a warning that must not come, after the answer that would follow it.</summary>
    protected static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(500);

    protected AggregationSpec(ITestOutputHelper output)
        : base(Hocon, output)
    {
    }

    /// <summary>A hand-fired Twisted Deferred: the test completes it when the scenario says so.</summary>
    protected static TaskCompletionSource<object?> NewDeferred() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A work item that finishes when <paramref name="deferred"/> fires.</summary>
    protected static TaskWork Deferred(TaskCompletionSource<object?> deferred, string? name = null) =>
        WorkItem.Task(_ => deferred.Task, name);

    /// <summary>A work item that never finishes on its own and tells <paramref name="probe"/> when it is cancelled.</summary>
    protected static TaskWork Endless(IActorRef probe, string name) => WorkItem.Task(
        token =>
        {
            var never = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
            token.Register(() =>
            {
                probe.Tell($"{name} cancelled");
                never.TrySetCanceled(token);
            });
            return never.Task;
        },
        name);

    /// <summary>Starts an aggregator with <see cref="TestKitBase.TestActor"/> as its requester.</summary>
    protected IActorRef Aggregate(IReadOnlyList<WorkItem> items, AggregationOptions? options = null)
    {
        var aggregator = Sys.ActorOf(AggregatorActor.Props());
        aggregator.Tell(new Aggregate(items, options ?? AggregationOptions.Default), TestActor);
        return aggregator;
    }

    /// <summary>Waits for <paramref name="count"/> manual workers to start, by name.</summary>
    protected static Dictionary<string, IActorRef> WorkersStarted(TestProbe probe, int count) =>
        Enumerable.Range(0, count)
            .Select(_ => probe.ExpectMsg<ManualWorker.WorkerStarted>())
            .ToDictionary(started => started.Name, started => started.Worker);

    /// <summary>The outcome's value, asserting it succeeded.</summary>
    protected static object? ValueOf(Outcome outcome) => Assert.IsType<Outcome.Success>(outcome).Value;

    /// <summary>The outcome's failure, asserting it failed.</summary>
    protected static WorkFailure FailureOf(Outcome outcome) => Assert.IsType<Outcome.Failure>(outcome).Cause;
}
