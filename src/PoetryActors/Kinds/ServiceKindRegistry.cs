namespace PoetryActors.Kinds;

/// <summary>
/// The service kinds a node knows, by name, in the order they are listed to the operator (our
/// twistd plugin list). <see cref="Default"/> holds every kind of this library.
/// </summary>
public sealed class ServiceKindRegistry
{
    private readonly List<ServiceKind> _kinds;

    public ServiceKindRegistry(IEnumerable<ServiceKind> kinds)
    {
        _kinds = [];
        foreach (var kind in kinds)
        {
            if (_kinds.Any(k => k.Name == kind.Name))
            {
                throw new ArgumentException($"duplicate service kind '{kind.Name}'");
            }

            _kinds.Add(kind);
        }
    }

    /// <summary>Every kind of the library.</summary>
    public static ServiceKindRegistry Default { get; } = new(BuiltInKinds.All);

    /// <summary>The kinds, in listing order.</summary>
    public IReadOnlyList<ServiceKind> All => _kinds;

    /// <summary>The kind named <paramref name="name"/>, if there is one.</summary>
    public bool TryGet(string name, out ServiceKind kind)
    {
        kind = _kinds.Find(k => k.Name == name)!;
        return kind is not null;
    }
}
