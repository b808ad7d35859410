using PoetryActors.Kinds;

namespace PoetryActors.Download;

/// <summary>The step of a download at which it failed.</summary>
public enum FetchStep
{
    /// <summary>Turning the host name into addresses.</summary>
    Resolve,
    /// <summary>Opening the TCP connection.</summary>
    Connect,
    /// <summary>Reading the poem up to the server's close.</summary>
    Read,
}

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
    /// <summary>Any other socket error; the detail says which.</summary>
    Other,
}

/// <summary>
/// The outcome of one poem download: <see cref="Fetched"/> with the bytes the server sent before
/// its clean close, or <see cref="Failed"/> saying which address, at which step, what happened.
/// Expected failures are values, not exceptions.
/// </summary>
public abstract record FetchResult(NetAddress Address)
{
    /// <summary>The server sent <paramref name="Poem"/> and closed the connection cleanly.</summary>
    public sealed record Fetched(NetAddress Address, byte[] Poem, TimeSpan Elapsed) : FetchResult(Address)
    {
        public override string ToString() => $"fetched {Poem.Length} bytes from {Address} in {Elapsed.TotalSeconds:0.###} s";
    }

    /// <summary>
    /// The download failed at <paramref name="Step"/> because of <paramref name="Failure"/>;
    /// <paramref name="Detail"/> says it in words and <paramref name="BytesReceived"/> counts
    /// what had arrived before (0 unless it failed while reading). <see cref="Reason"/> is the
    /// whole story in one line.
    /// </summary>
    public sealed record Failed(NetAddress Address, FetchStep Step, FetchFailure Failure, string Detail, int BytesReceived) : FetchResult(Address)
    {
        /// <summary>One line an operator can act on, such as <c>reading from 127.0.0.1:10000 failed: connection reset after 120 bytes</c>.</summary>
        public string Reason => Step switch
        {
            FetchStep.Resolve => $"resolving {Address.Host} failed: {Detail}",
            FetchStep.Connect => $"connecting to {Address} failed: {Detail}",
            _ => $"reading from {Address} failed: {Detail}",
        };

        public override string ToString() => Reason;
    }
}
