namespace PoetryActors.Transform;

/// <summary>
/// A named, pure rewrite of a poem that a transform server offers, such as <c>cummingsify</c>.
/// Clients ask for it by <see cref="Name"/> in a request <c>&lt;name&gt;.&lt;poem&gt;</c>, so the
/// name is non-empty and holds no <c>.</c> and no whitespace or control characters.
/// </summary>
internal sealed class PoemTransform
{
    private readonly Func<string, string> _apply;

    /// <summary>Creates a transform named <paramref name="name"/> that rewrites a poem with <paramref name="apply"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or holds a '.', whitespace or a control character.</exception>
    public PoemTransform(string name, string description, Func<string, string> apply)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(apply);
        foreach (var c in name)
        {
            // A '.' would end the name early on the wire; the others could not be typed on a
            // command line or read in a log.
            if (c == '.' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ArgumentException($"transform name '{name}' must not contain '.', whitespace or control characters", nameof(name));
            }
        }

        Name = name;
        Description = description;
        _apply = apply;
    }

    /// <summary>The name clients ask for, matched exactly (case-sensitive, as in the original).</summary>
    public string Name { get; }

    /// <summary>One line for <c>poetry-node transform --list</c>.</summary>
    public string Description { get; }

    /// <summary>Rewrites <paramref name="poem"/>; the same poem always gives the same result.</summary>
    public string Apply(string poem) => _apply(poem);

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Description}";
}
