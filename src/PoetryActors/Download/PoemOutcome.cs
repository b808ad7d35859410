using PoetryActors.Aggregation;
using PoetryActors.Kinds;

namespace PoetryActors.Download;

/// <summary>
/// What became of one requested poem, at position <see cref="Index"/> of the request:
/// <see cref="Downloaded"/> (the poem, transformed or not, with its timings) or
/// <see cref="Failed"/> (which address, which step, what happened). A downloader builds it once
/// and reports it as its work's value; <see cref="From"/> reads it back out of the aggregation's
/// <see cref="Outcome"/>, and makes the one failure the aggregation itself can cause (a downloader
/// that died without answering, or that the request's deadline or cancellation cut short).
/// </summary>
public abstract record PoemOutcome(int Index, NetAddress Address)
{
    // The two cases below are the only outcomes.
    private PoemOutcome()
        : this(0, null!)
    {
    }

    /// <summary>Whether the poem arrived.</summary>
    public bool Succeeded => this is Downloaded;

    /// <summary>
    /// The poem at <paramref name="Address"/> arrived. <paramref name="Poem"/> is what to show: the
    /// transformed poem, or the original one when there was no transform or it failed
    /// (<paramref name="Transform"/> says which); <paramref name="FetchedBytes"/> is the size of the
    /// original.
    /// </summary>
    public sealed record Downloaded(int Index, NetAddress Address, byte[] Poem, int FetchedBytes, TransformReport? Transform, DownloadTimings Timings)
        : PoemOutcome(Index, Address)
    {
        /// <summary>A one-line summary, such as <c>#0: 3000 bytes of poetry from 127.0.0.1:10000</c>.</summary>
        public override string ToString() => $"#{Index}: {Poem.Length} bytes of poetry from {Address}";
    }

    /// <summary>The download failed: <paramref name="Failure"/>.</summary>
    public sealed record Failed(int Index, DownloadFailed Failure) : PoemOutcome(Index, Failure.Address)
    {
        /// <inheritdoc />
        public override string ToString() => $"#{Index}: {Failure.Reason}";
    }

    /// <summary>
    /// The outcome of download <paramref name="index"/> of <paramref name="address"/>: the one its
    /// downloader reported, or, when the aggregation settled it without one (the worker stopped,
    /// crashed, timed out or was cancelled), a <see cref="DownloadStep.Downloader"/> failure with
    /// the aggregation's reason.
    /// </summary>
    public static PoemOutcome From(int index, NetAddress address, Outcome<PoemOutcome> outcome) => outcome switch
    {
        Outcome<PoemOutcome>.Success reported => reported.Value,
        Outcome<PoemOutcome>.Failure failure => new Failed(index, new DownloadFailed(address, DownloadStep.Downloader, FetchFailure.Stopped, failure.Cause.Reason)),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "an outcome is a success or a failure"),
    };
}
