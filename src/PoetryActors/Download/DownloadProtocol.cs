using Akka.Actor;
using PoetryActors.Kinds;

namespace PoetryActors.Download;

/// <summary>
/// The downloaders' messages. A <see cref="DownloaderActor"/> is created with one
/// <see cref="DownloadPoem"/> and reports to its parent aggregator with
/// <c>AggregationProtocol.WorkSucceeded</c> holding the request's <see cref="PoemOutcome"/>: the
/// poem, or the <see cref="DownloadFailed"/> that says why there is none (a failed download is
/// an answer, not a crash of the work). An optional observer is told
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
    internal sealed record DownloadPoem(int Index, NetAddress Address, DownloadSettings Settings, IActorRef? ProgressObserver = null)
    {
        /// <summary>The places in flight this download waits for before it connects, shared by its request; null: it starts at once.</summary>
        public DownloadSlots? Slots { get; init; }

        /// <summary>What the poem must be, and where else it is served (a poem by name from the catalog); null: whatever arrives whole.</summary>
        public ExpectedPoem? Expected { get; init; }
    }

    /// <summary>
    /// The poem named <paramref name="Name"/> must have the SHA-256 <paramref name="Sha256"/>
    /// (lowercase hex); when the download's address fails or sends other bytes,
    /// <paramref name="Fallbacks"/> (other addresses serving the same poem) are tried in order.
    /// </summary>
    internal sealed record ExpectedPoem(string Name, string Sha256, IReadOnlyList<NetAddress> Fallbacks);

    /// <summary>What a download created before its address was known (a poem by name, before the catalog) learns.</summary>
    internal abstract record DownloadResolution : INoSerializationVerificationNeeded
    {
        private DownloadResolution()
        {
        }

        /// <summary>Carry out <paramref name="Request"/>.</summary>
        public sealed record Resolved(DownloadPoem Request) : DownloadResolution;

        /// <summary>There is nothing to download for item <paramref name="Index"/>: <paramref name="Failure"/> is its outcome.</summary>
        public sealed record Unresolved(int Index, DownloadFailed Failure) : DownloadResolution;
    }

    /// <summary>
    /// Told to the observer after each read: download <paramref name="Index"/> (of
    /// <paramref name="Address"/>) has received <paramref name="Bytes"/> bytes so far.
    /// </summary>
    public sealed record DownloadProgress(int Index, NetAddress Address, int Bytes);
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
