using PoetryActors.Kinds;

namespace PoetryActors.Download;

/// <summary>What went wrong with a download.</summary>
public enum FetchFailure
{
    /// <summary>The host name does not resolve.</summary>
    UnknownHost,
    /// <summary>Nothing listens at the address.</summary>
    Refused,
    /// <summary>The host or its network cannot be reached.</summary>
    Unreachable,
    /// <summary>The server reset the connection (an unclean close).</summary>
    Reset,
    /// <summary>The connect timeout passed.</summary>
    ConnectTimedOut,
    /// <summary>The server stayed silent for longer than the idle timeout.</summary>
    IdleTimedOut,
    /// <summary>The overall deadline passed.</summary>
    DeadlinePassed,
    /// <summary>The server sent more than the largest poem allowed.</summary>
    TooLarge,
    /// <summary>The server closed the connection without sending a byte: no poem.</summary>
    Empty,
    /// <summary>The downloader stopped, crashed, or ran out of time before it could say more.</summary>
    Stopped,
    /// <summary>The requester interrupted the request (<c>get</c> on SIGINT or SIGTERM) before the poem arrived.</summary>
    Interrupted,
    /// <summary>Any other socket error; the detail says which.</summary>
    Other,
}

/// <summary>
/// The outcome of one poem download: <see cref="Fetched"/> with the bytes the server sent before
/// its clean close, or a <see cref="DownloadFailed"/> saying which address, at which step, what
/// happened. Expected failures are values, not exceptions.
/// </summary>
public abstract record FetchResult(NetAddress Address)
{
    /// <summary>The server sent <paramref name="Poem"/> (at least one byte) and closed the connection cleanly.</summary>
    public sealed record Fetched(NetAddress Address, byte[] Poem, TimeSpan Elapsed) : FetchResult(Address)
    {
        /// <inheritdoc />
        public override string ToString() => $"fetched {Poem.Length} bytes from {Address} in {Elapsed.TotalSeconds:0.###} s";
    }
}

/// <summary>
/// A download of <paramref name="Address"/> failed at <paramref name="Step"/> because of
/// <paramref name="Failure"/>; <paramref name="Detail"/> says it in words (such as <c>connection
/// refused</c>) and <paramref name="BytesReceived"/> counts what had arrived before. It is the one
/// value a failure is, from where it happens (the fetcher, or the aggregation for a downloader
/// that never answered) to where it is printed; <see cref="Reason"/> is the whole story in one line.
/// </summary>
public sealed record DownloadFailed(NetAddress Address, DownloadStep Step, FetchFailure Failure, string Detail, int BytesReceived = 0)
    : FetchResult(Address)
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

    /// <inheritdoc />
    public override string ToString() => Reason;
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
