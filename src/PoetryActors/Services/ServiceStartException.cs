namespace PoetryActors.Services;

/// <summary>
/// Thrown from a service's start to refuse it with a reason an operator can act on
/// ("cannot listen on 127.0.0.1:10000: address already in use"); answered as a start failure.
/// </summary>
public sealed class ServiceStartException(string reason, Exception? inner = null) : Exception(reason, inner);
