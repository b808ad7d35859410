using Akka.Actor;
using PoetryActors.Kinds;

namespace PoetryActors.Download;

/// <summary>
/// The downloaders' messages. A <see cref="DownloaderActor"/> is created with one
/// <see cref="DownloadPoem"/> and reports to its parent aggregator with
/// <c>AggregationProtocol.WorkSucceeded</c> holding a <see cref="PoemDownloaded"/>, or
/// <c>AggregationProtocol.WorkFailed</c> whose exception is a <see cref="DownloadFailedException"/>
/// holding a <see cref="DownloadFailed"/>; an optional observer is told
/// <see cref="DownloadProgress"/> as the bytes arrive. These messages carry actor refs and settings
/// for one process, so they have no serializer.
/// </summary>
public static class DownloadProtocol
{
    /// <summary>
    /// Download the poem at <paramref name="Address"/>, item <paramref name="Index"/> of its request,
    /// within <paramref name="Settings"/>, then send it through the transform server the settings
    /// name, if any. <paramref name="ProgressObserver"/>, when set, is told <see cref="DownloadProgress"/>.
    /// </summary>
    public sealed record DownloadPoem(int Index, NetAddress Address, DownloadSettings Settings, IActorRef? ProgressObserver = null);

    /// <summary>
    /// The poem at <paramref name="Address"/> arrived. <paramref name="Poem"/> is what to show: the
    /// transformed poem, or the original one when there was no transform or it failed
    /// (<paramref name="Transform"/> says which); <paramref name="FetchedBytes"/> is the size of the
    /// original.
    /// </summary>
    public sealed record PoemDownloaded(NetAddress Address, byte[] Poem, int FetchedBytes, TransformReport? Transform, DownloadTimings Timings)
    {
        /// <summary>A one-line summary, such as <c>3000 bytes of poetry from 127.0.0.1:10000</c>.</summary>
        public override string ToString() => $"{Poem.Length} bytes of poetry from {Address}";
    }

    /// <summary>
    /// The download of <paramref name="Address"/> failed at <paramref name="Step"/> because of
    /// <paramref name="Detail"/> (such as <c>connection refused</c>); <see cref="Reason"/> is the
    /// whole story in one line (which address, which step, what happened) and
    /// <paramref name="BytesReceived"/> counts what had arrived before.
    /// </summary>
    public sealed record DownloadFailed(NetAddress Address, DownloadStep Step, string Detail, int BytesReceived = 0)
    {
        /// <summary>How long the download ran before it failed, when known.</summary>
        public TimeSpan? Elapsed { get; init; }

        /// <summary>One line an operator can act on, such as <c>connecting to 127.0.0.1:10000 failed: connection refused</c>.</summary>
        public string Reason => Step switch
        {
            DownloadStep.Resolve => $"resolving {Address.Host} failed: {Detail}",
            DownloadStep.Connect => $"connecting to {Address} failed: {Detail}",
            DownloadStep.Read => $"reading from {Address} failed: {Detail}",
            _ => $"downloading from {Address} failed: {Detail}",
        };

        /// <summary>The failure of a fetch, as a download failure.</summary>
        public static DownloadFailed From(FetchResult.Failed failed) => new(
            failed.Address,
            failed.Step switch
            {
                FetchStep.Resolve => DownloadStep.Resolve,
                FetchStep.Connect => DownloadStep.Connect,
                _ => DownloadStep.Read,
            },
            failed.Detail,
            failed.BytesReceived);

        /// <inheritdoc />
        public override string ToString() => Reason;
    }

    /// <summary>
    /// Told to the observer after each read: download <paramref name="Index"/> (of
    /// <paramref name="Address"/>) has received <paramref name="Bytes"/> bytes so far.
    /// </summary>
    public sealed record DownloadProgress(int Index, NetAddress Address, int Bytes);
}

/// <summary>The step at which a download failed.</summary>
public enum DownloadStep
{
    /// <summary>Turning the host name into addresses.</summary>
    Resolve,

    /// <summary>Opening the TCP connection.</summary>
    Connect,

    /// <summary>Reading the poem up to the server's close.</summary>
    Read,

    /// <summary>
    /// The downloader as a whole: it stopped without answering, or its request was cancelled or
    /// ran out of time before it could say more.
    /// </summary>
    Downloader,
}

/// <summary>
/// What happened to a poem's transform: <paramref name="Name"/> at <paramref name="Server"/> (null when
/// a cluster had no transform provider to ask), and
/// <paramref name="FailureReason"/> when it failed (the poem is then the original one).
/// </summary>
public sealed record TransformReport(string Name, NetAddress? Server, string? FailureReason = null)
{
    /// <summary>Whether the poem came back transformed.</summary>
    public bool Succeeded => FailureReason is null;
}

/// <summary>How long a download took: the fetch, the transform (zero without one), and both together.</summary>
public sealed record DownloadTimings(TimeSpan Fetch, TimeSpan Transform, TimeSpan Total);

/// <summary>
/// Carries a <see cref="DownloadProtocol.DownloadFailed"/> inside the aggregation's
/// <c>WorkFailure</c>, so that the precise failure (address, step, reason) reaches whoever reads
/// the outcomes. It is a value in a failure, never thrown.
/// </summary>
public sealed class DownloadFailedException(DownloadProtocol.DownloadFailed failure) : Exception(failure.Reason)
{
    /// <summary>The failure.</summary>
    public DownloadProtocol.DownloadFailed Failure { get; } = failure;
}
