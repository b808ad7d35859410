using Akka.Actor;

namespace PoetryActors.Aggregation;

/// <summary>
/// How an aggregation behaves: Twisted's <c>DeferredList</c> flags (<see cref="FireOnOneSuccess"/>,
/// <see cref="FireOnOneFailure"/>, <see cref="ConsumeErrors"/>) plus what Twisted lacks: cancelling
/// the remaining work once the aggregation has fired, a deadline for the whole aggregation, and an
/// observer told of each item as it settles. The defaults are Twisted's: wait for every item,
/// never fail, and report every failure as unhandled.
/// </summary>
public sealed record AggregationOptions
{
    private readonly TimeSpan? _deadline;

    /// <summary>Twisted's defaults: wait for all, never fail, errors not consumed.</summary>
    public static AggregationOptions Default { get; } = new();

    /// <summary>
    /// Answer with the first successful value and its index (<c>fireOnOneCallback</c>); if every
    /// item fails, answer with the full list.
    /// </summary>
    public bool FireOnOneSuccess { get; init; }

    /// <summary>
    /// Fail with the first failure and its index, a <see cref="FirstError"/> (<c>fireOnOneErrback</c>);
    /// if every item succeeds, answer with the full list.
    /// </summary>
    public bool FireOnOneFailure { get; init; }

    /// <summary>
    /// Failures live only in the result (<c>consumeErrors</c>). Without it each failure is also
    /// logged once as an unhandled warning naming the item, unless the item's own errback
    /// handles it.
    /// </summary>
    public bool ConsumeErrors { get; init; }

    /// <summary>
    /// Once the aggregation has fired on one item, cancel the work still running (its outcome is
    /// a cancelled failure) instead of letting it finish unobserved.
    /// </summary>
    public bool CancelRemainingAfterFiring { get; init; }

    /// <summary>
    /// How long the whole aggregation may take: when it passes, every unfinished item becomes a
    /// timeout failure and its work is cancelled. Null means no deadline.
    /// </summary>
    public TimeSpan? Deadline
    {
        get => _deadline;
        init => _deadline = value is { } d && d <= TimeSpan.Zero
            ? throw new ArgumentOutOfRangeException(nameof(Deadline), d, "A deadline must be positive.")
            : value;
    }

    /// <summary>
    /// Told <c>AggregationProtocol.ItemSettled</c> as each item settles, in completion order
    /// (for <c>get --as-completed</c> and progress displays). Every item settles exactly once.
    /// </summary>
    public IActorRef? Observer { get; init; }
}
