using Akka.Configuration;
using PoetryActors.Services;

namespace PoetryActors.Kinds;

/// <summary>
/// A named kind of service, our counterpart of a twistd plugin (<c>IServiceMaker</c>): a name
/// (<c>tapname</c>), a one-line description, the options it takes (command-line flags and HOCON
/// keys alike) and a factory that builds the children of the service's collection from checked
/// options. <see cref="Check"/> adds the checks that span several options.
/// </summary>
public sealed record ServiceKind(
    string Name,
    string Description,
    IReadOnlyList<KindOption> Options,
    Func<ServiceOptions, Config, IReadOnlyList<ServiceSpec>> Build)
{
    /// <summary>Checks across options; each problem is (option name, message).</summary>
    public Func<ServiceOptions, IEnumerable<(string Key, string Message)>> Check { get; init; } = _ => [];

    /// <summary>
    /// What the kind offers beyond its options, as (name, description) pairs (the transform
    /// server's transforms); the kind's command lists them with <c>--list</c>. Null for none.
    /// </summary>
    public Func<IReadOnlyList<(string Name, string Description)>>? Catalog { get; init; }

    /// <summary>The option named <paramref name="name"/>, if this kind has one.</summary>
    public KindOption? FindOption(string name) => Options.FirstOrDefault(o => o.Name == name);

    /// <summary>
    /// Parses raw option texts (by name) into checked options, or lists every problem as
    /// (option name, message): unknown options, missing required ones, values of the wrong type.
    /// File options are read here, once; one larger than <paramref name="maxFileBytes"/> (by
    /// default <c>poetry.poems.max-bytes</c> of reference.conf) is refused.
    /// </summary>
    public ParsedOptions Parse(IReadOnlyDictionary<string, string> raw, long? maxFileBytes = null)
    {
        var fileLimit = maxFileBytes ?? Server.PoemSettings.Default.MaxBytes;
        var problems = new List<(string Key, string Message)>();
        foreach (var key in raw.Keys.Where(k => FindOption(k) is null))
        {
            problems.Add((key, $"unknown option for kind '{Name}' (it takes {string.Join(", ", Options.Select(o => o.Name))})"));
        }

        var values = new Dictionary<string, object>();
        foreach (var option in Options)
        {
            var text = raw.TryGetValue(option.Name, out var given) ? given : option.Default;
            if (text is null)
            {
                if (option.Required)
                {
                    problems.Add((option.Name, "missing: this option is required"));
                }

                continue;
            }
            if (OptionValueParser.TryParse(option, text, fileLimit, out var value, out var error))
            {
                values[option.Name] = value;
            }
            else
            {
                problems.Add((option.Name, error));
            }
        }

        var options = new ServiceOptions(values);
        if (problems.Count == 0)
        {
            problems.AddRange(Check(options));
        }

        return new ParsedOptions(problems.Count == 0 ? options : null, problems);
    }

    /// <summary>The outcome of <see cref="Parse"/>: options when there was no problem.</summary>
    public sealed record ParsedOptions(ServiceOptions? Options, IReadOnlyList<(string Key, string Message)> Problems);
}
