using Akka.Actor;

namespace PoetryActors.Aggregation;

/// <summary>
/// The aggregation's messages. A requester sends <see cref="Aggregate"/> or
/// <see cref="AggregateKeyed"/> to an <see cref="AggregationsActor"/> (or a fresh
/// <see cref="AggregatorActor"/>) and gets exactly one <see cref="AggregationResult"/> back;
/// workers report with <see cref="WorkSucceeded"/> or <see cref="WorkFailed"/>; an observer is
/// told <see cref="ItemSettled"/> per item. These messages carry delegates, Props and exceptions,
/// so they are for one process only and have no serializer.
/// </summary>
public static class AggregationProtocol
{
    /// <summary>
    /// Run <paramref name="Items"/> and answer the sender once, with outcomes in request order.
    /// Cancelling <see cref="CancellationToken"/> abandons the request: the work is cancelled and
    /// no answer is sent (the asker has gone).
    /// </summary>
    public sealed record Aggregate(IReadOnlyList<WorkItem> Items, AggregationOptions Options)
    {
        /// <summary>Run <paramref name="items"/> with Twisted's default options.</summary>
        public Aggregate(IReadOnlyList<WorkItem> items)
            : this(items, AggregationOptions.Default)
        {
        }

        /// <summary>Abandons the request when cancelled.</summary>
        public CancellationToken CancellationToken { get; init; }
    }

    /// <summary>
    /// Run keyed items (the tutorial's DeferredDict) and answer the sender once, with outcomes by
    /// key (or the fired item's key). Keys must be distinct; the constructor refuses duplicates.
    /// </summary>
    public sealed record AggregateKeyed
    {
        /// <summary>Run the keyed <paramref name="items"/> with <paramref name="options"/>.</summary>
        public AggregateKeyed(IEnumerable<KeyValuePair<string, WorkItem>> items, AggregationOptions? options = null)
        {
            Items = KeyedItems.Validate(items);
            Options = options ?? AggregationOptions.Default;
        }

        /// <summary>The items with their keys, in request order.</summary>
        public IReadOnlyList<KeyValuePair<string, WorkItem>> Items { get; }

        /// <summary>How to aggregate them.</summary>
        public AggregationOptions Options { get; }

        /// <summary>Abandons the request when cancelled.</summary>
        public CancellationToken CancellationToken { get; init; }
    }

    /// <summary>A worker tells its parent aggregator that its work succeeded with <paramref name="Value"/>.</summary>
    public sealed record WorkSucceeded(object? Value);

    /// <summary>A worker tells its parent aggregator that its work failed because of <paramref name="Cause"/>.</summary>
    public sealed record WorkFailed(WorkFailure Cause);

    /// <summary>
    /// Tells a running aggregator to cancel every unfinished item (each becomes a cancelled
    /// failure) and answer by the usual rules.
    /// </summary>
    public sealed class CancelAggregation
    {
        private CancelAggregation()
        {
        }

        /// <summary>The one instance.</summary>
        public static CancelAggregation Instance { get; } = new();
    }

    /// <summary>Tells the observer that item <paramref name="Index"/> (key <paramref name="Key"/>) settled.</summary>
    public sealed record ItemSettled(int Index, Outcome Outcome, string? Key = null);

    /// <summary>Every item settled; <paramref name="Outcomes"/> are in request order.</summary>
    public sealed record AggregationCompleted(IReadOnlyList<Outcome> Outcomes) : AggregationResult
    {
        /// <summary>Twisted's rendering: <c>[(True, d1 result), (True, d2 result)]</c>.</summary>
        public override string ToString() => $"[{string.Join(", ", Outcomes)}]";
    }

    /// <summary>Every keyed item settled; <paramref name="Outcomes"/> enumerate in request order.</summary>
    public sealed record KeyedAggregationCompleted(IReadOnlyDictionary<string, Outcome> Outcomes) : AggregationResult
    {
        /// <summary>Python-dict-like rendering: <c>{a: (True, 1), b: (False, ...)}</c>.</summary>
        public override string ToString() => $"{{{string.Join(", ", Outcomes.Select(o => $"{o.Key}: {o.Value}"))}}}";
    }

    /// <summary>Item <paramref name="Index"/> (key <paramref name="Key"/>) was the first to succeed, with <paramref name="Value"/>.</summary>
    public sealed record AggregationFiredOnSuccess(int Index, object? Value, string? Key = null) : AggregationResult;

    /// <summary>The aggregation failed on its first failure, <paramref name="Error"/>.</summary>
    public sealed record AggregationFailed(FirstError Error) : AggregationResult;
}
