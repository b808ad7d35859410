using System.Collections.Immutable;

namespace PoetryActors.Kinds;

/// <summary>
/// The checked values of one service's options, by option name: every value already parsed to
/// its type (string, int, <see cref="TimeSpan"/>, <see cref="NetAddress"/>, <see cref="LoadedFile"/>), defaults filled in.
/// Two equal sets of options describe the same service (used to tell what changed on reload).
/// </summary>
public sealed class ServiceOptions : IEquatable<ServiceOptions>
{
    private readonly ImmutableSortedDictionary<string, object> _values;

    public ServiceOptions(IEnumerable<KeyValuePair<string, object>> values)
    {
        _values = values.ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    /// <summary>The names of the options that have a value.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Whether <paramref name="name"/> has a value (an optional option may not).</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>A text option, or a file option's path.</summary>
    public string GetString(string name) => this[name] is LoadedFile file ? file.Path : Get<string>(name);

    /// <summary>A file option: its path and the bytes read when the options were parsed.</summary>
    public LoadedFile GetFile(string name) => Get<LoadedFile>(name);

    /// <summary>A port or integer option.</summary>
    public int GetInt(string name) => Get<int>(name);

    /// <summary>A duration option.</summary>
    public TimeSpan GetDuration(string name) => Get<TimeSpan>(name);

    /// <summary>An address option.</summary>
    public NetAddress GetAddress(string name) => Get<NetAddress>(name);

    /// <summary>The raw value of an option, or null when it has none.</summary>
    public object? this[string name] => _values.GetValueOrDefault(name);

    private T Get<T>(string name) =>
        _values.TryGetValue(name, out var value) && value is T typed
            ? typed
            : throw new KeyNotFoundException($"option '{name}' has no {typeof(T).Name} value");

    public bool Equals(ServiceOptions? other) =>
        other is not null && _values.Count == other._values.Count &&
        _values.All(kv => other._values.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v));

    public override bool Equals(object? obj) => Equals(obj as ServiceOptions);

    public override int GetHashCode() => _values.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value));

    /// <summary>name=value pairs, for logs.</summary>
    public override string ToString() => string.Join(", ", _values.Select(kv => $"{kv.Key}={Show(kv.Value)}"));

    // Durations as an operator writes them (0.7s), not as TimeSpan prints them (00:00:00.7000000).
    private static string Show(object value) =>
        value is TimeSpan span ? $"{span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}s" : value.ToString() ?? "";
}
