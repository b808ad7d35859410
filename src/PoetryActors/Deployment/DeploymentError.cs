using PoetryActors.Configuration;

namespace PoetryActors.Deployment;

/// <summary>
/// One problem in a deployment file, located precisely: the file, the entry (its position and
/// name, such as <c>services[2] (xform)</c>, or a line) and the key. Shown with every control
/// character escaped, whatever the file held.
/// </summary>
public sealed record DeploymentError(string Source, string? Entry, string? Key, string Message)
{
    /// <summary><c>file: services[2] (xform): port: expected a port ...</c></summary>
    public override string ToString()
    {
        var where = Source;
        if (Entry is not null)
        {
            where += ": " + Entry;
        }

        if (Key is not null)
        {
            where += ": " + Key;
        }

        return Excerpt.Escape($"{where}: {Message}");
    }
}
