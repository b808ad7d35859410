using Akka.Actor;

namespace PoetryActors.Services;

/// <summary>
/// What a collection needs to create one child service: its name (unique in the collection, also
/// the child actor's name) and the props of the actor that answers <see cref="ServiceProtocol"/>.
/// A nested collection is simply a spec whose props are a <see cref="ServiceCollectionActor"/>.
/// </summary>
public sealed record ServiceSpec
{
    public ServiceSpec(string name, Props props)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("a service needs a name", nameof(name));
        if (!ActorPath.IsValidPathElement(name))
            throw new ArgumentException($"'{name}' cannot name a service: use letters, digits and '-'", nameof(name));
        Name = name;
        Props = props;
    }

    /// <summary>The service's name within its collection.</summary>
    public string Name { get; }

    /// <summary>How to create (and re-create, after a crash) the service actor.</summary>
    public Props Props { get; }

    /// <summary>A collection of the given children, itself a service (Twisted's <c>MultiService</c>).</summary>
    public static ServiceSpec Collection(string name, IEnumerable<ServiceSpec> children, ServiceSettings? settings = null) =>
        new(name, ServiceCollectionActor.Props(children, settings));
}
