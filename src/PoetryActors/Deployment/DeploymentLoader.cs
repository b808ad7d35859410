using Akka.Actor;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using PoetryActors.Configuration;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Server;
using PoetryActors.Services;

namespace PoetryActors.Deployment;

/// <summary>
/// Reads a HOCON deployment and checks all of it before anything starts: the file itself (a
/// regular file of UTF-8 text within <see cref="DeploymentFileLimits"/>, its brackets balanced and
/// not nested too deep, its includes neither cyclic nor too deep), syntax, the shape of
/// <c>poetry.node.services</c>, each entry's name (present, well-formed, unique in its
/// collection), kind (known) and options (known, present when required, of the right type,
/// poem files readable), ports used twice, and every <c>poetry.*</c> setting. Every problem is
/// reported with the file, the entry and the key; nothing is returned unless all is well. Error
/// messages never quote more than a short, escaped excerpt of a deployment file, and nothing of
/// an included file's contents.
/// </summary>
public sealed class DeploymentLoader(ServiceKindRegistry kinds, DeploymentFileLimits? limits = null)
{
    private static readonly string[] EntryKeys = ["name", "kind", "services"];
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly DeploymentFileLimits _limits = limits ?? DeploymentFileLimits.Default;

    /// <summary>A loader for the library's built-in kinds.</summary>
    public static DeploymentLoader Default { get; } = new(ServiceKindRegistry.Default);

    /// <summary>Reads and checks the file at <paramref name="path"/>.</summary>
    public NodeDeployment LoadFile(string path) => Load(ParseFile(path), path);

    /// <summary>
    /// Reads a HOCON file of settings only (no services), such as <c>get --config</c>'s, with
    /// every protection of a deployment file; throws <see cref="DeploymentException"/>.
    /// </summary>
    public Config ParseFile(string path)
    {
        var reading = new Reading(_limits);
        if (reading.ReadText(path) is not { } text)
        {
            throw new DeploymentException([new DeploymentError(path, null, null, reading.Problem!)]);
        }

        var full = Path.GetFullPath(path);
        return Parse(text, path, Path.GetDirectoryName(full), reading, full);
    }

    /// <summary>Reads and checks deployment <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    /// <paramref name="includeDirectory"/> is where <c>include "file"</c> looks (the file's own folder; the working directory by default).
    public NodeDeployment Load(string text, string source, string? includeDirectory = null) =>
        Load(Parse(text, source, includeDirectory, new Reading(_limits), null), source);

    private Config Parse(string text, string source, string? includeDirectory, Reading reading, string? fullPath)
    {
        if (HoconShape.Check(text, _limits.MaxNesting) is var (line, problem))
        {
            throw new DeploymentException([new DeploymentError(source, $"line {line}", null, problem)]);
        }

        Config config;
        try
        {
            var chain = fullPath is null ? [] : new List<string> { fullPath };
            config = ConfigurationFactory.ParseString(text, name => reading.Include(name, includeDirectory ?? Directory.GetCurrentDirectory(), chain));
        }
        catch (DeploymentIncludeException e)
        {
            throw new DeploymentException([new DeploymentError(source, null, null, e.Message)]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DeploymentException([ParseError(source, text, e, quote: true)]);
        }
        if (HoconSubstitutions.FindProblem(config.Root, _limits.MaxNesting) is { } substitutions)
        {
            throw new DeploymentException([new DeploymentError(source, null, null, "not valid HOCON: " + substitutions)]);
        }

        return config;
    }

    /// <summary>
    /// A parse error without the parser's echo of the file: the line (when the parser says where)
    /// and, for a deployment file itself, a short escaped excerpt of that line.
    /// </summary>
    private static DeploymentError ParseError(string source, string text, Exception e, bool quote)
    {
        var message = e.Message;
        int? line = null;
        var position = System.Text.RegularExpressions.Regex.Match(message, @"^Unknown token at position (\d+):");
        if (position.Success && int.TryParse(position.Groups[1].Value, out var index) && index <= text.Length)
        {
            line = 1 + text.AsSpan(0, index).Count('\n');
            message = "unexpected character";
        }
        else if (message.StartsWith("Unknown escape code", StringComparison.Ordinal))
        {
            message = "an unknown escape code in a quoted string";
        }
        else if (message.StartsWith("Unresolved substitution", StringComparison.Ordinal))
        {
            message = "a substitution ${...} names no setting";
        }
        else if (message.StartsWith("Expected value", StringComparison.Ordinal) || message.StartsWith("End of file", StringComparison.Ordinal)
                 || message.StartsWith("Could not parse an unquoted text value", StringComparison.Ordinal))
        {
            message = OneLine(message.Split('\n')[0]);
        }
        else
        {
            message = "the parser stopped";
        }
        var where = line is { } n ? $"line {n}" : null;
        if (quote && line is { } at)
        {
            message += ": " + Excerpt.Quote(text.Split('\n')[at - 1].Trim());
        }

        return new DeploymentError(source, where, null, "not valid HOCON: " + message);
    }

    /// <summary>
    /// One load's reading of files: the deployment and its includes, each a regular file of UTF-8
    /// text within the limits, the bytes of all of them counted together, includes followed with
    /// the chain of files that led to them so that a cycle or too deep a chain is named.
    /// </summary>
    private sealed class Reading(DeploymentFileLimits limits)
    {
        private long _total;

        /// <summary>Why the last <see cref="ReadText"/> returned null.</summary>
        public string? Problem { get; private set; }

        public string? ReadText(string path)
        {
            if (!Files.RegularFile.TryRead(path, limits.MaxBytes, "poetry.deployment-files.max-bytes", out var bytes, out var reason))
            {
                Problem = reason.StartsWith("file not found", StringComparison.Ordinal) ? "deployment file not found" : reason;
                return null;
            }
            _total += bytes.Length;
            if (_total > limits.MaxTotalBytes)
            {
                Problem = $"with its includes the deployment is over the limit of {Files.RegularFile.Size(limits.MaxTotalBytes)} (poetry.deployment-files.max-total-bytes)";
                return null;
            }
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (System.Text.DecoderFallbackException e)
            {
                Problem = $"{path} is not UTF-8 text (at byte {e.Index})";
                return null;
            }
        }

        // Akka's parser has no file includes of its own: an include names a file beside the file that includes it.
        public HoconRoot Include(string name, string directory, IReadOnlyList<string> chain)
        {
            var given = name.Trim('"');
            var path = Path.GetFullPath(Path.Combine(directory, given));
            var label = $"include \"{Excerpt.Short(given)}\"";
            var names = chain.Append(path).Select(Path.GetFileName);
            if (chain.Contains(path))
            {
                throw new DeploymentIncludeException($"{label}: the includes form a cycle: {string.Join(" -> ", names)}");
            }

            if (chain.Count > limits.MaxIncludeDepth)
            {
                throw new DeploymentIncludeException(
                    $"{label}: includes nest more than {limits.MaxIncludeDepth} deep (poetry.deployment-files.max-include-depth): {string.Join(" -> ", names)}");
            }

            if (ReadText(path) is not { } text)
            {
                throw new DeploymentIncludeException($"{label}: {Problem}");
            }
            // Nothing of an included file is quoted: it may be any file at all (include "/etc/shadow").
            if (HoconShape.Check(text, limits.MaxNesting) is var (line, problem))
            {
                throw new DeploymentIncludeException($"{label}: {path}: line {line}: {problem}");
            }

            var inner = chain.Append(path).ToList();
            try
            {
                return Parser.Parse(text, next => Include(next, Path.GetDirectoryName(path)!, inner));
            }
            catch (Exception e) when (e is not (DeploymentIncludeException or OutOfMemoryException))
            {
                var error = ParseError(path, text, e, quote: false);
                throw new DeploymentIncludeException($"{label}: {path}: {(error.Entry is { } at ? at + ": " : "")}{error.Message}");
            }
        }
    }

    private sealed class DeploymentIncludeException(string message) : Exception(message);

    /// <summary>Checks an already parsed deployment configuration.</summary>
    public NodeDeployment Load(Config config, string source)
    {
        var errors = new List<DeploymentError>();
        var services = new List<DeploymentEntry>();
        var full = PoetryConfig.WithDefaults(config);
        CheckSettings(full, source, errors);
        // Poems are read while their entries are checked, within the deployment's own limit.
        var poemLimit = errors.Any(e => e.Key == PoemSettings.MaxBytesKey) ? PoemSettings.Default.MaxBytes : PoemSettings.Create(full).MaxBytes;
        var value = config.HasPath("poetry.node.services") ? config.GetValue("poetry.node.services") : null;
        if (value is null || AsList(value) is not { } list)
        {
            errors.Add(new DeploymentError(source, null, "poetry.node.services",
                value is null ? "missing: a deployment lists its services there" : "must be a list of services"));
        }
        else
        {
            services.AddRange(ReadEntries(list, "services", source, poemLimit, errors));
            CheckPorts(services, source, errors);
        }

        var joinsCluster = config.HasPath("poetry.cluster");
        if (joinsCluster)
        {
            errors.AddRange(Cluster.PoetryClusterSettings.Check(full).Select(p => new DeploymentError(source, null, p.Key, p.Message)));
        }

        var specs = errors.Count == 0 ? BuildServices(full, services, source, errors) : [];
        if (errors.Count > 0)
        {
            throw new DeploymentException(errors);
        }

        // The props checked here are the ones the node runs: built once per load.
        return new NodeDeployment(source, services, full) { JoinsCluster = joinsCluster }.WithServiceSpecs(specs);
    }

    private List<DeploymentEntry> ReadEntries(IList<HoconValue> items, string where, string source, long poemLimit, List<DeploymentError> errors)
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
            {
                errors.Add(new DeploymentError(source, label, "name", "missing: every service needs a name"));
            }
            else if (!ActorPath.IsValidPathElement(name))
            {
                errors.Add(new DeploymentError(source, label, "name", $"'{name}' cannot name a service: use letters, digits and '-'"));
            }
            else if (!names.Add(name))
            {
                errors.Add(new DeploymentError(source, label, "name", $"duplicate service name '{name}' in {where}"));
            }

            if (ReadEntry(fields, name ?? position, label, source, poemLimit, errors) is { } entry && name is not null)
            {
                entries.Add(entry);
            }
        }
        return entries;
    }

    private DeploymentEntry? ReadEntry(IDictionary<string, HoconValue> fields, string name, string label, string source, long poemLimit, List<DeploymentError> errors)
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
            {
                errors.Add(new DeploymentError(source, label, key, "unknown key: a collection takes only name and services"));
            }

            var children = ReadEntries(list, $"{label}.services", source, poemLimit, errors);
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
            if (EntryKeys.Contains(key))
            {
                continue;
            }

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

        var parsed = kind.Parse(raw, poemLimit);
        // A key given in the wrong shape is not also 'missing'.
        foreach (var (key, message) in parsed.Problems.Where(p => !malformed.Contains(p.Key)))
        {
            errors.Add(new DeploymentError(source, label, key, message));
        }

        return parsed.Options is { } options ? new DeploymentEntry(name, kind, options, []) : null;
    }

    private static void CheckPorts(IEnumerable<DeploymentEntry> services, string source, List<DeploymentError> errors)
    {
        var owners = new Dictionary<int, string>();
        foreach (var (path, option, port) in services.SelectMany(s => s.Ports()))
        {
            if (owners.TryGetValue(port, out var owner))
            {
                errors.Add(new DeploymentError(source, path, option, $"port {port} is already used by {owner}"));
            }
            else
            {
                owners[port] = path;
            }
        }
    }

    /// <summary>
    /// Builds every setting the services will read now, so a bad value under <c>poetry.*</c> is
    /// refused here, each with its full key and a reason, instead of failing the start. A new
    /// settings section is one more line in <see cref="SettingsReaders"/>.
    /// </summary>
    private static void CheckSettings(Config config, string source, List<DeploymentError> errors)
    {
        foreach (var (section, build) in SettingsReaders)
        {
            try
            {
                build(config);
            }
            catch (SettingsException e)
            {
                errors.AddRange(e.Problems.Select(p => new DeploymentError(source, null, p.Key, p.Message)));
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
            {
                errors.Add(new DeploymentError(source, null, section, Excerpt.Short(OneLine(e.Message), 200)));
            }
        }
    }

    /// <summary>Builds the services' props, so what only a kind's factory checks is refused before anything starts.</summary>
    private static List<ServiceSpec> BuildServices(Config config, IEnumerable<DeploymentEntry> services, string source, List<DeploymentError> errors)
    {
        var specs = new List<ServiceSpec>();
        foreach (var entry in services)
        {
            try
            {
                specs.Add(entry.ToServiceSpec(config));
            }
            catch (SettingsException e)
            {
                errors.AddRange(e.Problems.Select(p => new DeploymentError(source, entry.Name, p.Key, p.Message)));
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
            {
                errors.Add(new DeploymentError(source, entry.Name, null, Excerpt.Short(OneLine(e.Message), 200)));
            }
        }

        return specs;
    }

    private static readonly (string Section, Action<Config> Build)[] SettingsReaders =
    [
        ("poetry.services", c => ServiceCollectionSettings.Create(c)),
        ("poetry.listener", c => ListenerSettings.Create("", 0, c)),
        ("poetry.download", c => DownloadSettings.Create(c)),
        ("poetry.poems", c => PoemSettings.Create(c)),
        ("poetry.status", c => Instruments.StatusSettings.Create(c)),
    ];

    /// <summary>
    /// The items of a list, or null when the value is not one. Akka's HOCON reads <c>[]</c> as no
    /// list at all and <c>[ ]</c> as a list of one value with nothing in it: both are an empty list
    /// (an empty collection, as Twisted's MultiService may be).
    /// </summary>
    private static IList<HoconValue>? AsList(HoconValue value)
    {
        if (value.IsArray())
        {
            return value.GetArray().Where(item => item.Values.Count > 0).ToList();
        }

        var emptyList = value.Values.Any(v => v is HoconArray)
            && value.Values.All(v => v is HoconArray || (v.IsString() && string.IsNullOrWhiteSpace(v.GetString())));
        return emptyList ? [] : null;
    }

    private static string? Scalar(IDictionary<string, HoconValue> fields, string key) =>
        fields.TryGetValue(key, out var value) && value.IsString() ? value.GetString() : null;

    private string KindList() => string.Join(", ", kinds.All.Select(k => k.Name));

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
