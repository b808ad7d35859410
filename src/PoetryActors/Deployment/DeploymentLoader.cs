using Akka.Actor;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;

namespace PoetryActors.Deployment;

/// <summary>
/// Reads a HOCON deployment and checks all of it before anything starts: syntax, the shape of
/// <c>poetry.node.services</c>, each entry's name (present, well-formed, unique in its
/// collection), kind (known) and options (known, present when required, of the right type,
/// files that exist), and ports used twice. Every problem is reported with the file, the entry
/// and the key; nothing is returned unless all is well.
/// </summary>
public sealed class DeploymentLoader(ServiceKindRegistry kinds)
{
    private static readonly string[] EntryKeys = ["name", "kind", "services"];

    /// <summary>A loader for the library's built-in kinds.</summary>
    public static DeploymentLoader Default { get; } = new(ServiceKindRegistry.Default);

    /// <summary>Reads and checks the file at <paramref name="path"/>.</summary>
    public NodeDeployment LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "deployment file not found" : e.Message;
            throw new DeploymentException([new DeploymentError(path, null, null, reason)]);
        }
        return Load(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Reads and checks deployment <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    /// <paramref name="includeDirectory"/> is where <c>include "file"</c> looks (the file's own folder; the working directory by default).
    public NodeDeployment Load(string text, string source, string? includeDirectory = null)
    {
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(text, name => Include(name, includeDirectory ?? Directory.GetCurrentDirectory()));
        }
        catch (DeploymentIncludeException e)
        {
            throw new DeploymentException([new DeploymentError(source, null, null, e.Message)]);
        }
        catch (Exception e)
        {
            throw new DeploymentException([new DeploymentError(source, null, null, "not valid HOCON: " + OneLine(e.Message))]);
        }
        return Load(config, source);
    }

    // Akka's parser has no file includes of its own: an include names a file beside the deployment.
    private static HoconRoot Include(string name, string directory)
    {
        var path = Path.Combine(directory, name.Trim('"'));
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeploymentIncludeException($"include \"{name}\": cannot read {path}: {(e is FileNotFoundException ? "file not found" : e.Message)}");
        }
        return Parser.Parse(text, inner => Include(inner, Path.GetDirectoryName(path)!));
    }

    private sealed class DeploymentIncludeException(string message) : Exception(message);

    /// <summary>Checks an already parsed deployment configuration.</summary>
    public NodeDeployment Load(Config config, string source)
    {
        var errors = new List<DeploymentError>();
        var services = new List<DeploymentEntry>();
        var value = config.HasPath("poetry.node.services") ? config.GetValue("poetry.node.services") : null;
        if (value is null || AsList(value) is not { } list)
        {
            errors.Add(new DeploymentError(source, null, "poetry.node.services",
                value is null ? "missing: a deployment lists its services there" : "must be a list of services"));
        }
        else
        {
            services.AddRange(ReadEntries(list, "services", source, errors));
            CheckPorts(services, source, errors);
        }

        var full = PoetryConfig.WithDefaults(config);
        var joinsCluster = config.HasPath("poetry.cluster");
        if (joinsCluster)
            errors.AddRange(Cluster.PoetryClusterSettings.Check(full).Select(p => new DeploymentError(source, null, p.Key, p.Message)));
        if (errors.Count == 0) CheckSettings(full, services, source, errors);
        if (errors.Count > 0) throw new DeploymentException(errors);
        return new NodeDeployment(source, services, full) { JoinsCluster = joinsCluster };
    }

    private List<DeploymentEntry> ReadEntries(IList<HoconValue> items, string where, string source, List<DeploymentError> errors)
    {
        var entries = new List<DeploymentEntry>();
        var names = new HashSet<string>();
        for (var i = 0; i < items.Count; i++)
        {
            var position = $"{where}[{i}]";
            if (!items[i].IsObject())
            {
                errors.Add(new DeploymentError(source, position, null, "must be an object such as { name = ..., kind = ... }"));
                continue;
            }

            var fields = items[i].GetObject().Items;
            var name = Scalar(fields, "name");
            var label = name is null ? position : $"{position} ({name})";
            if (name is null)
                errors.Add(new DeploymentError(source, label, "name", "missing: every service needs a name"));
            else if (!ActorPath.IsValidPathElement(name))
                errors.Add(new DeploymentError(source, label, "name", $"'{name}' cannot name a service: use letters, digits and '-'"));
            else if (!names.Add(name))
                errors.Add(new DeploymentError(source, label, "name", $"duplicate service name '{name}' in {where}"));

            if (ReadEntry(fields, name ?? position, label, source, errors) is { } entry && name is not null)
                entries.Add(entry);
        }
        return entries;
    }

    private DeploymentEntry? ReadEntry(IDictionary<string, HoconValue> fields, string name, string label, string source, List<DeploymentError> errors)
    {
        var kindName = Scalar(fields, "kind");
        if (fields.TryGetValue("services", out var nested))
        {
            if (kindName is not null)
            {
                errors.Add(new DeploymentError(source, label, "kind", "an entry has either a kind or nested services, not both"));
                return null;
            }
            if (AsList(nested) is not { } list)
            {
                errors.Add(new DeploymentError(source, label, "services", "must be a list of services"));
                return null;
            }
            foreach (var key in fields.Keys.Where(k => !EntryKeys.Contains(k)))
                errors.Add(new DeploymentError(source, label, key, "unknown key: a collection takes only name and services"));
            var children = ReadEntries(list, $"{label}.services", source, errors);
            return new DeploymentEntry(name, null, null, children);
        }

        if (kindName is null)
        {
            errors.Add(new DeploymentError(source, label, "kind", $"missing: one of {KindList()}, or nested services"));
            return null;
        }
        if (!kinds.TryGet(kindName, out var kind))
        {
            errors.Add(new DeploymentError(source, label, "kind", $"unknown kind '{kindName}' (known: {KindList()})"));
            return null;
        }

        var raw = new Dictionary<string, string>();
        var malformed = new HashSet<string>();
        foreach (var (key, value) in fields)
        {
            if (EntryKeys.Contains(key)) continue;
            if (value.IsString())
            {
                raw[key] = value.GetString();
            }
            else
            {
                malformed.Add(key);
                errors.Add(new DeploymentError(source, label, key, "must be a single value, not a list or an object"));
            }
        }

        var parsed = kind.Parse(raw);
        // A key given in the wrong shape is not also 'missing'.
        foreach (var (key, message) in parsed.Problems.Where(p => !malformed.Contains(p.Key)))
            errors.Add(new DeploymentError(source, label, key, message));
        return parsed.Options is { } options ? new DeploymentEntry(name, kind, options, []) : null;
    }

    private static void CheckPorts(IEnumerable<DeploymentEntry> services, string source, List<DeploymentError> errors)
    {
        var owners = new Dictionary<int, string>();
        foreach (var (path, option, port) in services.SelectMany(s => s.Ports()))
        {
            if (owners.TryGetValue(port, out var owner))
                errors.Add(new DeploymentError(source, path, option, $"port {port} is already used by {owner}"));
            else
                owners[port] = path;
        }
    }

    /// <summary>
    /// Builds every setting the services will read (and the services' props) now, so a bad value
    /// under <c>poetry.*</c> is refused here, with the key, instead of failing the start.
    /// </summary>
    private static void CheckSettings(Config config, IEnumerable<DeploymentEntry> services, string source, List<DeploymentError> errors)
    {
        foreach (var (section, build) in SettingsReaders)
        {
            try
            {
                build(config);
            }
            catch (Exception e)
            {
                errors.Add(new DeploymentError(source, null, section, OneLine(e.Message)));
            }
        }
        if (errors.Count > 0) return;

        foreach (var entry in services)
        {
            try
            {
                entry.ToServiceSpec(config);
            }
            catch (Exception e)
            {
                errors.Add(new DeploymentError(source, entry.Name, null, OneLine(e.Message)));
            }
        }
    }

    private static readonly (string Section, Action<Config> Build)[] SettingsReaders =
    [
        ("poetry.services", c => ServiceSettings.Create(c)),
        ("poetry.listener", c => ListenerSettings.Create("", 0, c)),
        ("poetry.download", c => FetchLimits.Create(c)),
    ];

    /// <summary>
    /// The items of a list, or null when the value is not one. Akka's HOCON reads <c>[]</c> as no
    /// list at all and <c>[ ]</c> as a list of one value with nothing in it: both are an empty list
    /// (an empty collection, as Twisted's MultiService may be).
    /// </summary>
    private static IList<HoconValue>? AsList(HoconValue value)
    {
        if (value.IsArray()) return value.GetArray().Where(item => item.Values.Count > 0).ToList();
        var emptyList = value.Values.Any(v => v is HoconArray)
            && value.Values.All(v => v is HoconArray || (v.IsString() && string.IsNullOrWhiteSpace(v.GetString())));
        return emptyList ? [] : null;
    }

    private static string? Scalar(IDictionary<string, HoconValue> fields, string key) =>
        fields.TryGetValue(key, out var value) && value.IsString() ? value.GetString() : null;

    private string KindList() => string.Join(", ", kinds.All.Select(k => k.Name));

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
