namespace PoetryActors.Kinds;

/// <summary>
/// One option of a service kind: its name (the same as a command-line flag <c>--name</c> and a
/// HOCON key <c>name</c>), what it takes, its help text, and its default (none means required,
/// unless <see cref="Optional"/>).
/// </summary>
public sealed record KindOption(string Name, OptionType Type, string Description, string? Default = null)
{
    /// <summary>The smallest value an <see cref="OptionType.Integer"/> option takes.</summary>
    public long Min { get; init; } = long.MinValue;

    /// <summary>The largest value an <see cref="OptionType.Integer"/> option takes.</summary>
    public long Max { get; init; } = long.MaxValue;

    /// <summary>An option that may be left out even though it has no default.</summary>
    public bool Optional { get; init; }

    /// <summary>Whether a value must be given.</summary>
    public bool Required => Default is null && !Optional;
}
