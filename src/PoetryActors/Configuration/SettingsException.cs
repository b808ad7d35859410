using Akka.Configuration;

namespace PoetryActors.Configuration;

/// <summary>One setting that is wrong: its full key (<c>poetry.download.idle-timeout</c>) and why, in words.</summary>
public sealed record SettingProblem(string Key, string Message)
{
    /// <summary><c>poetry.download.idle-timeout: expected a duration such as 2s, got 'banana'</c></summary>
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>
/// Settings that failed their checks; <see cref="Problems"/> names every wrong key with its
/// reason, so a deployment's errors can be reported per key (<c>file: key: reason</c>).
/// </summary>
public sealed class SettingsException(IReadOnlyList<SettingProblem> problems)
    : ConfigurationException(string.Join("; ", problems))
{
    /// <summary>Each wrong key, with its reason.</summary>
    public IReadOnlyList<SettingProblem> Problems { get; } = problems;
}
