namespace PoetryActors.Instruments;

/// <summary>Why a connection ended without being served to its end (the <c>reason</c> label of <c>poetry.connections.cut</c>).</summary>
internal enum CutReason
{
    /// <summary>The client stopped reading and the send made no progress for the stall timeout.</summary>
    Stall,

    /// <summary>A stop's drain time ran out while the connection was still being served.</summary>
    Drain,

    /// <summary>The client reset or closed the connection while it was being served.</summary>
    Reset,

    /// <summary>The handler failed in some other way (a bug, logged as a warning).</summary>
    Error,
}
