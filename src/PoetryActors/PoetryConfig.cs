using System.Reflection;
using Akka.Configuration;

namespace PoetryActors;

/// <summary>
/// The library's embedded reference.conf: every <c>poetry.*</c> setting with its default and a
/// comment. Settings classes fall back to it so a deployment only says what it changes.
/// </summary>
public static class PoetryConfig
{
    private static readonly Lazy<Config> LazyReference = new(Load);

    /// <summary>The parsed reference configuration.</summary>
    public static Config Reference => LazyReference.Value;

    /// <summary>
    /// <paramref name="config"/> with the reference defaults behind it. The reference itself (or
    /// nothing) is given back as the reference: Akka refuses a configuration as its own fallback.
    /// </summary>
    public static Config WithReference(Config? config) =>
        config is null || ReferenceEquals(config, Reference) ? Reference : config.WithFallback(Reference);

    private static Config Load()
    {
        using var stream = typeof(PoetryConfig).Assembly.GetManifestResourceStream("PoetryActors.reference.conf")
            ?? throw new InvalidOperationException("PoetryActors.reference.conf is not embedded in the library");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
