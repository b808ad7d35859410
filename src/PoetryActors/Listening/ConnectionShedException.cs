namespace PoetryActors.Listening;

/// <summary>
/// Thrown (or returned as a faulted task) by a connection handler that drops a connection to
/// protect the process, such as a transform request past the memory budget: the listener resets
/// the connection and logs the reason, floods of it summarised.
/// </summary>
internal sealed class ConnectionShedException(string reason) : Exception(reason);
