namespace PoetryActors.Services;

/// <summary>
/// The shared shape of the answers by which a service says it cannot give what it was asked
/// (a poem service without a poem, a transforms service that is not running): whoever asked reads
/// the <see cref="Reason"/> without knowing the service's protocol.
/// </summary>
public interface IServiceUnavailable
{
    /// <summary>Why the service cannot answer, in words an operator can act on.</summary>
    string Reason { get; }
}
