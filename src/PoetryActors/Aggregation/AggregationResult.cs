namespace PoetryActors.Aggregation;

/// <summary>
/// The one answer an aggregation gives its requester, one of
/// <see cref="AggregationProtocol.AggregationCompleted"/> (every outcome, in request order),
/// <see cref="AggregationProtocol.KeyedAggregationCompleted"/> (every outcome, by key),
/// <see cref="AggregationProtocol.AggregationFiredOnSuccess"/> (the first success, with
/// <see cref="AggregationOptions.FireOnOneSuccess"/>) or
/// <see cref="AggregationProtocol.AggregationFailed"/> (the <see cref="FirstError"/>, with
/// <see cref="AggregationOptions.FireOnOneFailure"/>).
/// </summary>
public abstract record AggregationResult
{
    // The four answers in AggregationProtocol are the only results.
    private protected AggregationResult()
    {
    }
}
