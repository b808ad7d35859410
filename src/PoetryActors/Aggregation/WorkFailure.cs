namespace PoetryActors.Aggregation;

/// <summary>
/// What kind of failure a <see cref="WorkFailure"/> is, so that callers can tell a timeout or a
/// cancellation from an error without parsing the reason.
/// </summary>
public enum WorkFailureKind
{
    /// <summary>The work itself failed: an exception, an error answer, a crashed worker.</summary>
    Error,

    /// <summary>The aggregation's deadline passed before the work finished.</summary>
    Timeout,

    /// <summary>The work was cancelled: by the requester, or after the aggregation fired on one item.</summary>
    Cancelled,

    /// <summary>The worker actor stopped without reporting an outcome.</summary>
    WorkerStopped,
}

/// <summary>
/// Why one work item failed: the counterpart of Twisted's <c>Failure</c>. It carries a precise,
/// human-readable <see cref="Reason"/> (what a log line or a command's stderr should say), a
/// <see cref="Kind"/> that makes timeouts and cancellations recognisable, and the exception when
/// there was one. Workers report it with <c>AggregationProtocol.WorkFailed</c>.
/// </summary>
public sealed record WorkFailure(WorkFailureKind Kind, string Reason, Exception? Exception = null)
{
    /// <summary>Whether the aggregation's deadline passed before the work finished.</summary>
    public bool IsTimeout => Kind == WorkFailureKind.Timeout;

    /// <summary>Whether the work was cancelled rather than failing on its own.</summary>
    public bool IsCancelled => Kind == WorkFailureKind.Cancelled;

    /// <summary>An error with a reason and, optionally, the exception behind it.</summary>
    public static WorkFailure Error(string reason, Exception? exception = null) =>
        new(WorkFailureKind.Error, reason, exception);

    /// <summary>An error whose reason is the exception's message.</summary>
    public static WorkFailure FromException(Exception exception)
    {
        // A faulted Task wraps its exception; the single inner one is the real cause.
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception is OperationCanceledException
            ? new(WorkFailureKind.Cancelled, exception.Message, exception)
            : new(WorkFailureKind.Error, exception.Message, exception);
    }

    /// <summary>A timeout failure.</summary>
    public static WorkFailure Timeout(string reason) => new(WorkFailureKind.Timeout, reason);

    /// <summary>A cancellation failure.</summary>
    public static WorkFailure Cancelled(string reason) => new(WorkFailureKind.Cancelled, reason);

    /// <summary>Twisted-like rendering, e.g. <c>[Failure Error: d2 failure]</c>.</summary>
    public override string ToString() => $"[Failure {Kind}: {Reason}]";
}
