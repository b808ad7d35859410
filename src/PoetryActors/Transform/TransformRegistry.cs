using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace PoetryActors.Transform;

/// <summary>
/// The immutable set of transforms a transform server offers, looked up by exact name and listed
/// in the order they were given (for <c>poetry-node transform --list</c>). <see cref="Default"/>
/// holds <c>cummingsify</c> first, then the other transforms of <see cref="PoemTransforms"/>.
/// Thread-safe: share one registry among all connections.
/// </summary>
internal sealed class TransformRegistry : IReadOnlyList<PoemTransform>
{
    private readonly PoemTransform[] _transforms;
    private readonly Dictionary<string, PoemTransform> _byName;

    // Lets the request path look a name up without first allocating it as a string.
    private readonly Dictionary<string, PoemTransform>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>Creates a registry of <paramref name="transforms"/>, listed in the order given.</summary>
    /// <exception cref="ArgumentException">Two transforms share a name.</exception>
    public TransformRegistry(IEnumerable<PoemTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        _transforms = [.. transforms];
        _byName = new Dictionary<string, PoemTransform>(_transforms.Length, StringComparer.Ordinal);
        foreach (var transform in _transforms)
        {
            ArgumentNullException.ThrowIfNull(transform, nameof(transforms));
            if (!_byName.TryAdd(transform.Name, transform))
            {
                throw new ArgumentException($"duplicate transform name '{transform.Name}'", nameof(transforms));
            }

            LongestName = Math.Max(LongestName, transform.Name.Length);
        }

        _bySpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The transforms a transform server offers unless told otherwise.</summary>
    public static TransformRegistry Default { get; } = new(
    [
        PoemTransforms.Cummingsify,
        PoemTransforms.Shout,
        PoemTransforms.ReverseLines,
        PoemTransforms.TitleCase,
    ]);

    /// <summary>How many transforms the registry holds.</summary>
    public int Count => _transforms.Length;

    /// <summary>The length in UTF-16 code units of the longest name; no longer name can be found.</summary>
    public int LongestName { get; }

    /// <summary>The transform at <paramref name="index"/> in listing order.</summary>
    public PoemTransform this[int index] => _transforms[index];

    /// <summary>Finds the transform called exactly <paramref name="name"/> (case-sensitive).</summary>
    public bool TryGet(string name, [MaybeNullWhen(false)] out PoemTransform transform)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out transform);
    }

    /// <summary>Finds the transform called exactly <paramref name="name"/> (case-sensitive), without allocating.</summary>
    public bool TryGet(ReadOnlySpan<char> name, [MaybeNullWhen(false)] out PoemTransform transform) =>
        _bySpan.TryGetValue(name, out transform);

    /// <summary>Returns a new registry with <paramref name="transform"/> listed last.</summary>
    /// <exception cref="ArgumentException">A transform of that name is already there.</exception>
    public TransformRegistry With(PoemTransform transform) => new([.. _transforms, transform]);

    /// <inheritdoc />
    public IEnumerator<PoemTransform> GetEnumerator() => ((IEnumerable<PoemTransform>)_transforms).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
