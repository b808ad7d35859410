using System.CommandLine;

namespace PoetryNode.Cli;

/// <summary>
/// The options every serving command takes (<c>run</c> and each service kind), given before or
/// after the command as with twistd (<c>poetry-node --loglevel debug fastpoetry ...</c>).
/// </summary>
public sealed class ServeOptions
{
    /// <summary>--loglevel: the least severe log level written.</summary>
    public Option<string?> LogLevel { get; } = new("--loglevel")
    {
        Description = "least severe level logged: debug, info, warning or error (default: the deployment's akka.loglevel, else info)",
        HelpName = "LEVEL",
        Recursive = true,
    };

    /// <summary>Adds the options to <paramref name="root"/>, recursively.</summary>
    public void AddTo(Command root) => root.Options.Add(LogLevel);

    /// <summary>The values given on this command line.</summary>
    public ServeSettings Read(ParseResult result) => new(result.GetValue(LogLevel));
}

/// <summary>The serving options' values.</summary>
public sealed record ServeSettings(string? LogLevel);
