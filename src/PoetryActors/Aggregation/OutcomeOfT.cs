namespace PoetryActors.Aggregation;

/// <summary>
/// The outcome of one work item whose value is a <typeparamref name="T"/>: the typed
/// DeferredList's <c>(True, value)</c> or <c>(False, failure)</c>, a closed hierarchy of
/// <see cref="Success"/> and <see cref="Failure"/>. <see cref="Aggregator.AllSettledAsync{T}(Akka.Actor.IActorRefFactory, IReadOnlyList{WorkItem}, AggregationOptions?, CancellationToken)"/>
/// returns these in request order; a worker whose value is not a <typeparamref name="T"/> is a
/// failure that says what came instead, so a caller never casts.
/// </summary>
/// <typeparam name="T">What a successful item yields.</typeparam>
public abstract record Outcome<T>
{
    // Only the two nested cases exist.
    private Outcome()
    {
    }

    /// <summary>Whether the item succeeded.</summary>
    public bool Succeeded => this is Success;

    /// <summary>The item succeeded with <paramref name="Value"/>.</summary>
    public sealed record Success(T Value) : Outcome<T>
    {
        /// <summary>Twisted's rendering: <c>(True, value)</c>.</summary>
        public override string ToString() => $"(True, {Value})";
    }

    /// <summary>The item failed because of <paramref name="Cause"/>.</summary>
    public sealed record Failure(WorkFailure Cause) : Outcome<T>
    {
        /// <summary>Twisted's rendering: <c>(False, [Failure ...])</c>.</summary>
        public override string ToString() => $"(False, {Cause})";
    }

    /// <summary>
    /// The typed form of what the aggregator settled: its failure as it is, its success when the
    /// value is a <typeparamref name="T"/>, and otherwise a failure naming what the work answered.
    /// </summary>
    public static Outcome<T> From(Outcome outcome) => outcome switch
    {
        Outcome.Success { Value: T value } => new Success(value),
        Outcome.Failure failure => new Failure(failure.Cause),
        Outcome.Success other => new Failure(WorkFailure.Error(
            $"the work answered {(other.Value is null ? "nothing" : "a " + other.Value.GetType().Name)} instead of a {typeof(T).Name}")),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "an outcome is a success or a failure"),
    };
}
