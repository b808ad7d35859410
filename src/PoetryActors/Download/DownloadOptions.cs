using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Download;

/// <summary>
/// Options of one <see cref="PoetryClient"/> request: the <see cref="DownloadSettings"/> (null: read
/// from the actor system's configuration), and callbacks that watch the downloads as they go.
/// The callbacks are called one at a time, never concurrently, from an actor's thread, in the
/// order the events happened, and all of them before the request's Task completes; they should
/// be quick.
/// </summary>
public sealed record DownloadOptions
{
    /// <summary>The system's settings, no callbacks.</summary>
    public static DownloadOptions Default { get; } = new();

    /// <summary>Limits and transform of every download; null reads <c>poetry.download</c> from the actor system.</summary>
    public DownloadSettings? Settings { get; init; }

    /// <summary>Called after each read with the bytes a download has received so far.</summary>
    public Action<DownloadProgress>? OnProgress { get; init; }

    /// <summary>Called as each download settles, in completion order (<c>get --as-completed</c>).</summary>
    public Action<PoemOutcome>? OnSettled { get; init; }

    /// <summary>Whether anything watches the downloads.</summary>
    internal bool IsObserved => OnProgress is not null || OnSettled is not null;
}
