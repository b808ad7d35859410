namespace PoetryActors.Aggregation;

/// <summary>
/// Twisted's <c>FirstError</c>: the first failure of an aggregation that fires on one failure,
/// with the position of the item in the request (and its key in a keyed aggregation).
/// </summary>
public sealed record FirstError(int Index, WorkFailure Failure, string? Key = null)
{
    /// <summary>Twisted's rendering: <c>FirstError[#1, reason]</c>.</summary>
    public override string ToString() =>
        Key is null ? $"FirstError[#{Index}, {Failure.Reason}]" : $"FirstError[#{Index} '{Key}', {Failure.Reason}]";
}

/// <summary>
/// The exception form of a <see cref="FirstError"/>, thrown by
/// <see cref="Aggregator.GatherResultsAsync(Akka.Actor.IActorRefFactory, IReadOnlyList{WorkItem}, AggregationOptions?, CancellationToken)"/>
/// and carried by the failure of a nested aggregation that fired on a failure. Its inner
/// exception is the failed item's exception, when it had one.
/// </summary>
public sealed class FirstErrorException : Exception
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public FirstErrorException(FirstError error)
        : base(error.ToString(), error.Failure.Exception)
    {
        Error = error;
    }

    /// <summary>The first failure and its index.</summary>
    public FirstError Error { get; }
}
