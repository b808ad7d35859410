namespace PoetryActors.Aggregation;

/// <summary>
/// The outcome of one work item: Twisted's <c>(True, value)</c> or <c>(False, failure)</c> pair,
/// as a closed hierarchy with exactly two cases, <see cref="Success"/> and <see cref="Failure"/>.
/// An aggregation's result lists outcomes in request order.
/// </summary>
public abstract record Outcome
{
    // Only the two nested cases exist, so a switch over them is exhaustive in spirit.
    private Outcome()
    {
    }

    /// <summary>Whether the item succeeded.</summary>
    public bool Succeeded => this is Success;

    /// <summary>The item succeeded with <paramref name="Value"/>.</summary>
    public sealed record Success(object? Value) : Outcome
    {
        /// <summary>Twisted's rendering: <c>(True, value)</c>.</summary>
        public override string ToString() => $"(True, {Render(Value)})";
    }

    /// <summary>The item failed because of <paramref name="Cause"/>.</summary>
    public sealed record Failure(WorkFailure Cause) : Outcome
    {
        /// <summary>Twisted's rendering: <c>(False, [Failure ...])</c>.</summary>
        public override string ToString() => $"(False, {Cause})";
    }

    // Nested results print as nested lists, the way Python prints a list of lists.
    private static string Render(object? value) => value switch
    {
        null => "None",
        IReadOnlyList<Outcome> outcomes => $"[{string.Join(", ", outcomes)}]",
        IReadOnlyDictionary<string, Outcome> byKey => $"{{{string.Join(", ", byKey.Select(o => $"{o.Key}: {o.Value}"))}}}",
        _ => value.ToString() ?? string.Empty,
    };
}
