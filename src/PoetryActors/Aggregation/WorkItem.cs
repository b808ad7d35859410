using Akka.Actor;

namespace PoetryActors.Aggregation;

/// <summary>
/// One piece of work in an aggregation, the counterpart of one Deferred in a <c>DeferredList</c>:
/// a worker actor (<see cref="ActorWork"/>), a plain async function (<see cref="TaskWork"/>), or a
/// nested aggregation (<see cref="NestedWork"/>, <see cref="KeyedNestedWork"/>). The static
/// factories build each kind. Work items carry delegates and <see cref="Props"/>, so they stay in
/// one process and never cross the network.
/// </summary>
public abstract record WorkItem
{
    // The aggregator knows how to run exactly the kinds below.
    private protected WorkItem()
    {
    }

    /// <summary>
    /// A name for logs and warnings; for <see cref="ActorWork"/> it is also the worker's actor
    /// name (kebab-case, such as <c>download-3</c>).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// Twisted's errback added to the item after it joined the list: it sees the item's failure
    /// (unless the aggregation consumes errors) and, by returning normally, handles it, so the
    /// failure is not reported as unhandled. If it throws, the failure stays unhandled.
    /// </summary>
    public Action<WorkFailure>? Errback { get; init; }

    /// <summary>This item with <paramref name="errback"/> handling its failure afterwards.</summary>
    public WorkItem WithErrback(Action<WorkFailure> errback) => this with { Errback = errback };

    /// <summary>A worker actor created from <paramref name="workerProps"/> as the aggregator's child.</summary>
    public static ActorWork Actor(Props workerProps, string? name = null) => new(workerProps, name);

    /// <summary>A plain async function; the token is cancelled when its outcome is no longer wanted.</summary>
    public static TaskWork Task(Func<CancellationToken, Task<object?>> start, string? name = null) => new(start, name);

    /// <summary>A typed async function, its result boxed as the item's value.</summary>
    public static TaskWork FromTask<T>(Func<CancellationToken, Task<T>> start, string? name = null) =>
        new(token => Box(start(token)), name);

    /// <summary>An item that has already succeeded with <paramref name="value"/> (Twisted's <c>succeed</c>).</summary>
    public static TaskWork Succeed(object? value, string? name = null) =>
        new(_ => System.Threading.Tasks.Task.FromResult(value), name);

    /// <summary>An item that has already failed with <paramref name="exception"/> (Twisted's <c>fail</c>).</summary>
    public static TaskWork Fail(Exception exception, string? name = null) =>
        new(_ => System.Threading.Tasks.Task.FromException<object?>(exception), name);

    /// <summary>A nested aggregation whose value is its list of outcomes (or its fired value).</summary>
    public static NestedWork Nested(IReadOnlyList<WorkItem> items, AggregationOptions? options = null, string? name = null) =>
        new(items, options ?? AggregationOptions.Default, name);

    /// <summary>A nested keyed aggregation whose value is its dictionary of outcomes (or its fired value).</summary>
    public static KeyedNestedWork NestedKeyed(
        IEnumerable<KeyValuePair<string, WorkItem>> items, AggregationOptions? options = null, string? name = null) =>
        new(items, options ?? AggregationOptions.Default, name);

    private static Task<object?> Box<T>(Task<T> task)
    {
        if (task is Task<object?> boxed)
        {
            return boxed;
        }

        // Keep already-finished work synchronous: instant items stay on the aggregator's fast path.
        return task.IsCompletedSuccessfully ? System.Threading.Tasks.Task.FromResult<object?>(task.Result) : Await(task);

        static async Task<object?> Await(Task<T> pending) => await pending.ConfigureAwait(false);
    }
}

/// <summary>
/// Work done by a worker actor. The aggregator creates it from <see cref="WorkerProps"/> as its
/// own child (named <see cref="WorkItem.Name"/>, or <c>work-&lt;index&gt;</c>), or, in a request of
/// more than 32 workers, as a child of one of its groups (<c>group-&lt;g&gt;</c>), watches it,
/// and stops it once it has reported. The worker reports by telling its parent
/// <c>AggregationProtocol.WorkSucceeded</c> or <c>AggregationProtocol.WorkFailed</c>; a worker that
/// throws, or stops without reporting, is a failed outcome saying so.
/// </summary>
public sealed record ActorWork : WorkItem
{
    /// <summary>Work done by a child created from <paramref name="workerProps"/>.</summary>
    public ActorWork(Props workerProps, string? name = null)
    {
        WorkerProps = workerProps;
        Name = name;
    }

    /// <summary>How to create the worker.</summary>
    public Props WorkerProps { get; }
}

/// <summary>
/// Work done by a plain async function. The aggregator calls it on its own thread, so it should
/// return a Task promptly; the token is cancelled when the outcome is no longer wanted (deadline,
/// cancellation, firing with <see cref="AggregationOptions.CancelRemainingAfterFiring"/>, or the
/// aggregator stopping). A task that is already complete is settled without a message.
/// </summary>
public sealed record TaskWork : WorkItem
{
    /// <summary>Work done by <paramref name="start"/>.</summary>
    public TaskWork(Func<CancellationToken, Task<object?>> start, string? name = null)
    {
        Start = start;
        Name = name;
    }

    /// <summary>Starts the work.</summary>
    public Func<CancellationToken, Task<object?>> Start { get; }
}

/// <summary>
/// A nested aggregation, run by a child aggregator (<c>nested-&lt;index&gt;</c>): a list of lists
/// gives nested results. Its value is the nested list of outcomes, or the nested
/// <c>AggregationFiredOnSuccess</c> when it fired on a success; when it fails with a
/// <see cref="FirstError"/>, the item fails with a <see cref="FirstErrorException"/>.
/// </summary>
public sealed record NestedWork : WorkItem
{
    /// <summary>Nests <paramref name="items"/> aggregated with <paramref name="options"/>.</summary>
    public NestedWork(IReadOnlyList<WorkItem> items, AggregationOptions options, string? name = null)
    {
        Items = items;
        Options = options;
        Name = name;
    }

    /// <summary>The nested items.</summary>
    public IReadOnlyList<WorkItem> Items { get; }

    /// <summary>The nested aggregation's options.</summary>
    public AggregationOptions Options { get; }
}

/// <summary>
/// A nested keyed aggregation (the tutorial's DeferredDict), run by a child aggregator. Its value
/// is the nested dictionary of outcomes, or the nested <c>AggregationFiredOnSuccess</c>.
/// </summary>
public sealed record KeyedNestedWork : WorkItem
{
    /// <summary>Nests the keyed <paramref name="items"/>; keys must be distinct.</summary>
    public KeyedNestedWork(IEnumerable<KeyValuePair<string, WorkItem>> items, AggregationOptions options, string? name = null)
    {
        Items = KeyedItems.Validate(items);
        Options = options;
        Name = name;
    }

    /// <summary>The nested items with their keys, in request order.</summary>
    public IReadOnlyList<KeyValuePair<string, WorkItem>> Items { get; }

    /// <summary>The nested aggregation's options.</summary>
    public AggregationOptions Options { get; }
}

/// <summary>Checks keyed requests once, where they are made, so the aggregator can trust them.</summary>
internal static class KeyedItems
{
    public static IReadOnlyList<KeyValuePair<string, WorkItem>> Validate(IEnumerable<KeyValuePair<string, WorkItem>> items)
    {
        var list = items.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in list)
        {
            if (!seen.Add(key))
            {
                throw new ArgumentException($"The key '{key}' appears more than once in a keyed aggregation.", nameof(items));
            }
        }

        return list;
    }
}
