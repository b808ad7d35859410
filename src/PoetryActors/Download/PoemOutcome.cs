using PoetryActors.Aggregation;
using PoetryActors.Kinds;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Download;

/// <summary>
/// What became of one requested poem, at position <see cref="Index"/> of the request:
/// <see cref="Downloaded"/> (the poem, transformed or not, with its timings) or
/// <see cref="Failed"/> (which address, which step, what happened). Built from the aggregator's
/// <see cref="Outcome"/> of a downloader by <see cref="From"/>, so that a downloader that died
/// without answering, or one the request's deadline or cancellation cut short, is a failure too.
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

    /// <summary>The poem arrived: <paramref name="Poem"/>.</summary>
    public sealed record Downloaded(int Index, PoemDownloaded Poem) : PoemOutcome(Index, Poem.Address)
    {
        /// <inheritdoc />
        public override string ToString() => $"#{Index}: {Poem}";
    }

    /// <summary>The download failed: <paramref name="Failure"/>.</summary>
    public sealed record Failed(int Index, DownloadFailed Failure) : PoemOutcome(Index, Failure.Address)
    {
        /// <inheritdoc />
        public override string ToString() => $"#{Index}: {Failure.Reason}";
    }

    /// <summary>The outcome of download <paramref name="index"/> of <paramref name="address"/>, from its aggregation outcome.</summary>
    public static PoemOutcome From(int index, NetAddress address, Outcome outcome) => outcome switch
    {
        Outcome.Success { Value: PoemDownloaded poem } => new Downloaded(index, poem),
        Outcome.Failure { Cause.Exception: DownloadFailedException failed } => new Failed(index, failed.Failure),
        Outcome.Failure failure => new Failed(index, new DownloadFailed(address, DownloadStep.Downloader, failure.Cause.Reason)),
        Outcome.Success success => new Failed(index, new DownloadFailed(
            address, DownloadStep.Downloader, $"the downloader answered {success.Value ?? "nothing"} instead of a poem")),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "an outcome is a success or a failure"),
    };
}
