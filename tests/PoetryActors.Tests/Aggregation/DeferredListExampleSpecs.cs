using Akka.Actor;
using PoetryActors.Aggregation;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Tests.Aggregation;

/// <summary>
/// The tutorial's seven <c>deferred-list/deferred-list-N.py</c> examples (Part 18), ported: each
/// hand-fired Deferred is a <see cref="TaskCompletionSource{TResult}"/>, the DeferredList is an
/// aggregator, and <c>got_results</c> is the requester. Each asserts the same "We got:" line.
/// </summary>
public sealed class DeferredListExampleSpecs : AggregationSpec
{
    private static readonly TimeSpan NotYet = TimeSpan.FromMilliseconds(200);

    public DeferredListExampleSpecs(ITestOutputHelper output)
        : base(output)
    {
    }

    [Fact]
    public void Deferred_list_1_an_empty_list_fires_at_once_with_an_empty_result()
    {
        Aggregate([]);

        var result = ExpectMsg<AggregationCompleted>();
        Assert.Equal("We got: []", $"We got: {result}");
    }

    [Fact]
    public void Deferred_list_2_one_deferred_fires_the_list_only_when_it_fires()
    {
        var d1 = NewDeferred();
        Aggregate([Deferred(d1)]);

        ExpectNoMsg(NotYet);
        d1.SetResult("d1 result");

        var result = ExpectMsg<AggregationCompleted>();
        Assert.Equal("We got: [(True, d1 result)]", $"We got: {result}");
    }

    [Fact]
    public void Deferred_list_3_two_deferreds_fire_the_list_when_both_have_fired()
    {
        var d1 = NewDeferred();
        var d2 = NewDeferred();
        var observer = CreateTestProbe();
        Aggregate([Deferred(d1), Deferred(d2)], new AggregationOptions { Observer = observer });

        d1.SetResult("d1 result");
        observer.ExpectMsg<ItemSettled>(settled => settled.Index == 0);
        ExpectNoMsg(NotYet);
        d2.SetResult("d2 result");

        var result = ExpectMsg<AggregationCompleted>();
        Assert.Equal("We got: [(True, d1 result), (True, d2 result)]", $"We got: {result}");
    }

    [Fact]
    public void Deferred_list_4_results_keep_the_list_order_when_fired_in_reverse()
    {
        var d1 = NewDeferred();
        var d2 = NewDeferred();
        var observer = CreateTestProbe();
        Aggregate([Deferred(d1), Deferred(d2)], new AggregationOptions { Observer = observer });

        d2.SetResult("d2 result");
        observer.ExpectMsg<ItemSettled>(settled => settled.Index == 1);
        d1.SetResult("d1 result");
        observer.ExpectMsg<ItemSettled>(settled => settled.Index == 0);

        var result = ExpectMsg<AggregationCompleted>();
        Assert.Equal("We got: [(True, d1 result), (True, d2 result)]", $"We got: {result}");
    }

    [Fact]
    public void Deferred_list_5_a_failure_with_consume_errors_is_only_in_the_result()
    {
        var d1 = NewDeferred();
        var d2 = NewDeferred();

        EventFilter.Warning(contains: "Unhandled").Expect(0, QuietPeriod, () =>
        {
            Aggregate([Deferred(d1), Deferred(d2)], new AggregationOptions { ConsumeErrors = true });
            d1.SetResult("d1 result");
            d2.SetException(new Exception("d2 failure"));

            var result = ExpectMsg<AggregationCompleted>();
            Assert.Equal("We got: [(True, d1 result), (False, [Failure Error: d2 failure])]", $"We got: {result}");
        });
    }

    [Fact]
    public void Deferred_list_6_a_failure_without_consume_errors_is_also_reported_as_unhandled()
    {
        var d1 = NewDeferred();
        var d2 = NewDeferred();

        EventFilter.Warning(contains: "Unhandled failure in aggregation item 1: d2 failure").ExpectOne(() =>
        {
            Aggregate([Deferred(d1), Deferred(d2)]);
            d1.SetResult("d1 result");
            d2.SetException(new Exception("d2 failure"));

            var result = ExpectMsg<AggregationCompleted>();
            Assert.Equal("We got: [(True, d1 result), (False, [Failure Error: d2 failure])]", $"We got: {result}");
        });
    }

    [Fact]
    public void Deferred_list_7_an_error_handled_afterwards_is_not_reported_as_unhandled()
    {
        var d1 = NewDeferred();
        var d2 = NewDeferred();
        var handled = CreateTestProbe();

        EventFilter.Warning(contains: "Unhandled").Expect(0, QuietPeriod, () =>
        {
            // d2.addErrback(lambda err: None), added after the list was made.
            Aggregate([Deferred(d1), Deferred(d2).WithErrback(failure => handled.Tell(failure.Reason))]);
            d1.SetResult("d1 result");
            d2.SetException(new Exception("d2 failure"));

            var result = ExpectMsg<AggregationCompleted>();
            Assert.Equal("We got: [(True, d1 result), (False, [Failure Error: d2 failure])]", $"We got: {result}");
            handled.ExpectMsg("d2 failure");
        });
    }
}
