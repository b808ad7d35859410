namespace PoetryActors.Hosting;

/// <summary>The node's services could not start; the message is the one line to show the operator.</summary>
public sealed class NodeStartException(string message) : Exception(message);
