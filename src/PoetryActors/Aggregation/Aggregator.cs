using Akka.Actor;
using static PoetryActors.Aggregation.AggregationProtocol;

namespace PoetryActors.Aggregation;

/// <summary>
/// The entry point for code outside actors: runs an aggregation on the same actors and returns a
/// Task. Each method comes in two forms: given an <see cref="IActorRefFactory"/> (an
/// <see cref="ActorSystem"/>) it creates a top-level <c>aggregator-&lt;n&gt;</c>; given the ref of
/// an <see cref="AggregationsActor"/> (the node's <c>/user/downloads</c>) the aggregator is created
/// under it. Cancelling the token abandons the aggregation (its work is cancelled and its workers
/// stop) and cancels the Task. <see cref="AllSettledAsync(IActorRefFactory, IReadOnlyList{WorkItem}, AggregationOptions?, CancellationToken)"/>
/// returns every outcome; <see cref="GatherResultsAsync(IActorRefFactory, IReadOnlyList{WorkItem}, AggregationOptions?, CancellationToken)"/>
/// is Twisted's <c>gatherResults</c>.
/// </summary>
public static class Aggregator
{
    private static long _created;

    /// <summary>Runs <paramref name="items"/> in a new top-level aggregator and returns its one answer.</summary>
    public static Task<AggregationResult> RunAsync(
        IActorRefFactory system, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Ask(NewAggregator(system), new Aggregate(items, options ?? AggregationOptions.Default) { CancellationToken = cancellationToken }, cancellationToken);

    /// <summary>Runs <paramref name="items"/> in an aggregator under <paramref name="aggregations"/> and returns its one answer.</summary>
    public static Task<AggregationResult> RunAsync(
        IActorRef aggregations, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Ask(aggregations, new Aggregate(items, options ?? AggregationOptions.Default) { CancellationToken = cancellationToken }, cancellationToken);

    /// <summary>Runs keyed <paramref name="items"/> (a DeferredDict) in a new top-level aggregator.</summary>
    public static Task<AggregationResult> RunKeyedAsync(
        IActorRefFactory system,
        IEnumerable<KeyValuePair<string, WorkItem>> items,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Ask(NewAggregator(system), new AggregateKeyed(items, options) { CancellationToken = cancellationToken }, cancellationToken);

    /// <summary>Runs keyed <paramref name="items"/> (a DeferredDict) in an aggregator under <paramref name="aggregations"/>.</summary>
    public static Task<AggregationResult> RunKeyedAsync(
        IActorRef aggregations,
        IEnumerable<KeyValuePair<string, WorkItem>> items,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Ask(aggregations, new AggregateKeyed(items, options) { CancellationToken = cancellationToken }, cancellationToken);

    /// <summary>
    /// Every outcome, in request order. The caller receives every failure, so errors are consumed
    /// unless <paramref name="options"/> say otherwise; options that fire on one item are refused.
    /// </summary>
    public static async Task<IReadOnlyList<Outcome>> AllSettledAsync(
        IActorRefFactory system, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Completed(await RunAsync(system, items, AllSettledOptions(options), cancellationToken).ConfigureAwait(false));

    /// <summary>Every outcome, in request order, from an aggregator under <paramref name="aggregations"/>.</summary>
    public static async Task<IReadOnlyList<Outcome>> AllSettledAsync(
        IActorRef aggregations, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Completed(await RunAsync(aggregations, items, AllSettledOptions(options), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Every outcome, in request order, typed: each success holds a <typeparamref name="T"/>, and a
    /// value of another type is a failure saying so (<see cref="Outcome{T}.From"/>). Options as
    /// for the untyped form.
    /// </summary>
    public static async Task<IReadOnlyList<Outcome<T>>> AllSettledAsync<T>(
        IActorRefFactory system, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Typed<T>(await AllSettledAsync(system, items, options, cancellationToken).ConfigureAwait(false));

    /// <summary>Every outcome, in request order, typed, from an aggregator under <paramref name="aggregations"/>.</summary>
    public static async Task<IReadOnlyList<Outcome<T>>> AllSettledAsync<T>(
        IActorRef aggregations, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Typed<T>(await AllSettledAsync(aggregations, items, options, cancellationToken).ConfigureAwait(false));

    /// <summary>Every outcome by key, enumerating in request order.</summary>
    public static async Task<IReadOnlyDictionary<string, Outcome>> AllSettledKeyedAsync(
        IActorRefFactory system,
        IEnumerable<KeyValuePair<string, WorkItem>> items,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default) =>
        CompletedKeyed(await RunKeyedAsync(system, items, AllSettledOptions(options), cancellationToken).ConfigureAwait(false));

    /// <summary>Every outcome by key, from an aggregator under <paramref name="aggregations"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, Outcome>> AllSettledKeyedAsync(
        IActorRef aggregations,
        IEnumerable<KeyValuePair<string, WorkItem>> items,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default) =>
        CompletedKeyed(await RunKeyedAsync(aggregations, items, AllSettledOptions(options), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Twisted's <c>gatherResults</c>: the plain list of values in request order, or a
    /// <see cref="FirstErrorException"/> for the first failure. <paramref name="options"/> may add
    /// a deadline, an observer, consumed errors or cancelling the rest; firing on a success is refused.
    /// </summary>
    public static async Task<IReadOnlyList<object?>> GatherResultsAsync(
        IActorRefFactory system, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Gathered(await RunAsync(system, items, GatherOptions(options), cancellationToken).ConfigureAwait(false));

    /// <summary>Twisted's <c>gatherResults</c>, run by an aggregator under <paramref name="aggregations"/>.</summary>
    public static async Task<IReadOnlyList<object?>> GatherResultsAsync(
        IActorRef aggregations, IReadOnlyList<WorkItem> items, AggregationOptions? options = null, CancellationToken cancellationToken = default) =>
        Gathered(await RunAsync(aggregations, items, GatherOptions(options), cancellationToken).ConfigureAwait(false));

    /// <summary>The typed form of outcomes in request order (<see cref="Outcome{T}.From"/>).</summary>
    public static IReadOnlyList<Outcome<T>> Typed<T>(IReadOnlyList<Outcome> outcomes)
    {
        var typed = new Outcome<T>[outcomes.Count];
        for (var index = 0; index < typed.Length; index++)
        {
            typed[index] = Outcome<T>.From(outcomes[index]);
        }

        return typed;
    }

    internal static IActorRef NewAggregator(IActorRefFactory system) =>
        system.ActorOf(AggregatorActor.Props(), $"aggregator-{Interlocked.Increment(ref _created)}");

    private static Task<AggregationResult> Ask(IActorRef target, object request, CancellationToken cancellationToken) =>
        // No ask timeout: the aggregator always answers (its deadline, watched workers, and an
        // answer from PostStop if it is stopped); the token covers a caller who stops waiting.
        target.Ask<AggregationResult>(request, timeout: null, cancellationToken);

    private static AggregationOptions AllSettledOptions(AggregationOptions? options)
    {
        if (options is null)
        {
            return new AggregationOptions { ConsumeErrors = true };
        }

        return options.FireOnOneSuccess || options.FireOnOneFailure
            ? throw new ArgumentException("AllSettled waits for every item; use RunAsync to fire on one.", nameof(options))
            : options;
    }

    private static AggregationOptions GatherOptions(AggregationOptions? options) =>
        options is { FireOnOneSuccess: true }
            ? throw new ArgumentException("GatherResults fires on the first failure, not on a success.", nameof(options))
            : (options ?? AggregationOptions.Default) with { FireOnOneFailure = true };

    private static IReadOnlyList<Outcome> Completed(AggregationResult result) =>
        ((AggregationCompleted)result).Outcomes;

    private static IReadOnlyDictionary<string, Outcome> CompletedKeyed(AggregationResult result) =>
        ((KeyedAggregationCompleted)result).Outcomes;

    private static IReadOnlyList<object?> Gathered(AggregationResult result)
    {
        switch (result)
        {
            case AggregationFailed failed:
                throw new FirstErrorException(failed.Error);
            case AggregationCompleted completed:
                var values = new object?[completed.Outcomes.Count];
                for (var index = 0; index < values.Length; index++)
                {
                    values[index] = ((Outcome.Success)completed.Outcomes[index]).Value;
                }

                return values;
            default:
                throw new InvalidOperationException($"gatherResults cannot answer {result.GetType().Name}.");
        }
    }
}
