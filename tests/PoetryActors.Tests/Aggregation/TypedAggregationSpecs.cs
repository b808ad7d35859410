using PoetryActors.Aggregation;
using Xunit;
using Xunit.Abstractions;

namespace PoetryActors.Tests.Aggregation;

/// <summary>
/// The typed DeferredList: outcomes in request order whose successes hold the caller's type, a
/// value of another type a failure that says what came, failures as they were.
/// </summary>
public sealed class TypedAggregationSpecs : AggregationSpec
{
    public TypedAggregationSpecs(ITestOutputHelper output)
        : base(output)
    {
    }

    [Fact]
    public async Task Results_come_back_in_request_order_typed_with_a_value_of_another_type_as_a_failure_saying_so()
    {
        var late = new TaskCompletionSource<int>();
        var items = new WorkItem[]
        {
            WorkItem.FromTask(_ => late.Task),
            WorkItem.Succeed(2),
            WorkItem.Succeed("two"),
            WorkItem.Fail(new InvalidOperationException("no poem here")),
        };

        var running = Aggregator.AllSettledAsync<int>(Sys, items);
        late.SetResult(1);
        var outcomes = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, Assert.IsType<Outcome<int>.Success>(outcomes[0]).Value);
        Assert.Equal(2, Assert.IsType<Outcome<int>.Success>(outcomes[1]).Value);
        Assert.Equal("the work answered a String instead of a Int32", Assert.IsType<Outcome<int>.Failure>(outcomes[2]).Cause.Reason);
        Assert.Equal("no poem here", Assert.IsType<Outcome<int>.Failure>(outcomes[3]).Cause.Reason);
        Assert.Equal("(True, 1)", outcomes[0].ToString());
    }

    [Fact]
    public async Task An_empty_list_completes_at_once_typed()
    {
        Assert.Empty(await Aggregator.AllSettledAsync<string>(Sys, []).WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
