namespace PoetryActors.Download;

/// <summary>
/// The clock of one connection: an overall deadline and a timeout for the current step (the
/// connect, then each wait for bytes), behind one cancellation token and one timer. Starting a
/// step or noting progress only writes a due time; the timer, armed for the earliest due time,
/// checks when it fires and re-arms itself for whatever is still ahead, so a healthy connection
/// costs one timer from start to end rather than one per step and per read. That matters when
/// ten thousand downloads run at once: every change of a .NET timer takes a lock shared by all.
/// Not for reuse: one instance per connection, disposed with it.
/// </summary>
internal sealed class StepTimeouts : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private readonly long _deadlineAt;
    private long _stepDueAt;
    private long _stepMilliseconds;
    private long _armedFor;
    private int _expired;

    /// <summary>
    /// Starts the clock: <paramref name="deadline"/> from now, and a first step of at most
    /// <paramref name="firstStep"/>, on <paramref name="time"/> (the system's clock unless a test
    /// gives its own, so that timing is the test's to decide rather than the machine's load).
    /// </summary>
    public StepTimeouts(TimeSpan deadline, TimeSpan firstStep, CancellationToken caller, TimeProvider? time = null)
    {
        _cancel = caller.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(caller) : new CancellationTokenSource();
        _time = time ?? TimeProvider.System;
        var now = Now();
        _deadlineAt = now + Milliseconds(deadline);
        _stepMilliseconds = Milliseconds(firstStep);
        _stepDueAt = now + _stepMilliseconds;
        _armedFor = Math.Min(_deadlineAt, _stepDueAt);
        _timer = _time.CreateTimer(static state => ((StepTimeouts)state!).Fire(), this, TimeSpan.FromMilliseconds(Math.Max(0, _armedFor - now)), Timeout.InfiniteTimeSpan);
    }

    /// <summary>What ended the connection's wait, once <see cref="Token"/> is cancelled by a timeout.</summary>
    public enum Expiry
    {
        /// <summary>Nothing expired (the caller cancelled, or all is well).</summary>
        None,

        /// <summary>The current step took longer than its timeout.</summary>
        Step,

        /// <summary>The overall deadline passed.</summary>
        Deadline,
    }

    /// <summary>Cancelled when the deadline or the current step's timeout passes, or the caller cancels.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Which timeout cancelled <see cref="Token"/>, if one did.</summary>
    public Expiry Expired => (Expiry)Volatile.Read(ref _expired);

    /// <summary>Whether the overall deadline has passed.</summary>
    public bool DeadlinePassed => Expired == Expiry.Deadline;

    /// <summary>Starts a step that may take at most <paramref name="timeout"/> without progress.</summary>
    public void StartStep(TimeSpan timeout)
    {
        var milliseconds = Milliseconds(timeout);
        Volatile.Write(ref _stepMilliseconds, milliseconds);
        var due = Now() + milliseconds;
        Volatile.Write(ref _stepDueAt, due);
        // A later due time is left to the timer to find when it fires; only an earlier one needs it now.
        if (due < Volatile.Read(ref _armedFor))
        {
            Arm(due);
        }
    }

    /// <summary>The current step made progress (bytes arrived): its timeout counts from now.</summary>
    public void Progress() =>
        Volatile.Write(ref _stepDueAt, Now() + Volatile.Read(ref _stepMilliseconds));

    public void Dispose()
    {
        _timer?.Dispose();
        _cancel.Dispose();
    }

    private void Fire()
    {
        var now = Now();
        if (now >= _deadlineAt)
        {
            Expire(Expiry.Deadline);
        }
        else if (now >= Volatile.Read(ref _stepDueAt))
        {
            Expire(Expiry.Step);
        }
        else
        {
            Arm(Math.Min(_deadlineAt, Volatile.Read(ref _stepDueAt)));
        }
    }

    private void Expire(Expiry expiry)
    {
        if (Interlocked.CompareExchange(ref _expired, (int)expiry, (int)Expiry.None) != (int)Expiry.None)
        {
            return;
        }

        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended as the timer fired.
        }
    }

    private void Arm(long dueAt)
    {
        Volatile.Write(ref _armedFor, dueAt);
        try
        {
            // Null only while the constructor runs, when nothing is due later than the timer: never re-armed.
            _timer?.Change(TimeSpan.FromMilliseconds(Math.Max(0, dueAt - Now())), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection ended as the timer was moved.
        }
    }

    private long Now() => (long)_time.GetElapsedTime(0).TotalMilliseconds;

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(Math.Min(span.TotalMilliseconds, int.MaxValue));
}
