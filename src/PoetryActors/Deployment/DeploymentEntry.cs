using Akka.Configuration;
using PoetryActors.Kinds;
using PoetryActors.Services;

namespace PoetryActors.Deployment;

/// <summary>
/// One checked entry of a deployment: a service of a kind with its options, or a nested
/// collection of entries (a <c>MultiService</c> inside the <c>Application</c>). Entries compare
/// by value, so a reload can tell which services changed.
/// </summary>
public sealed record DeploymentEntry(string Name, ServiceKind? Kind, ServiceOptions? Options, IReadOnlyList<DeploymentEntry> Children)
{
    /// <summary>Whether this entry is a nested collection rather than a service of a kind.</summary>
    public bool IsCollection => Kind is null;

    /// <summary>
    /// The entry as a service: a collection holding the kind's services, or the nested entries. The
    /// spec's revision is this entry, so a reload tells a changed service (an option, or a byte of a
    /// poem: <see cref="LoadedFile"/> compares the bytes) from one that can keep serving.
    /// </summary>
    public ServiceSpec ToServiceSpec(Config config)
    {
        var settings = ServiceCollectionSettings.Create(config);
        var spec = Kind is { } kind
            ? ServiceSpec.Collection(Name, kind.Build(Options!, config), settings)
            : ServiceSpec.Collection(Name, Children.Select(c => c.ToServiceSpec(config)), settings);
        return spec with { Revision = this };
    }

    /// <summary>
    /// Every port this entry listens on, with where it is set (<c>ecstasy</c>, option <c>port</c>),
    /// nested collections included; port 0 (any free port) is left out.
    /// </summary>
    public IEnumerable<(string Path, string Option, int Port)> Ports(string prefix = "")
    {
        var path = prefix + Name;
        if (Kind is null)
        {
            return Children.SelectMany(c => c.Ports(path + "/"));
        }

        return Kind.Options
            .Where(o => o.Type == OptionType.Port && Options!.Has(o.Name) && Options.GetInt(o.Name) != 0)
            .Select(o => (path, o.Name, Options!.GetInt(o.Name)));
    }

    public bool Equals(DeploymentEntry? other) =>
        other is not null && Name == other.Name && Kind?.Name == other.Kind?.Name &&
        Equals(Options, other.Options) && Children.SequenceEqual(other.Children);

    public override int GetHashCode() => HashCode.Combine(Name, Kind?.Name, Options, Children.Count);
}
