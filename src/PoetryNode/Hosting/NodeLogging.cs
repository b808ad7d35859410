using Akka.Event;
using Serilog;
using Serilog.Events;

namespace PoetryNode.Hosting;

/// <summary>
/// The node's Serilog set-up: every Akka log line (the services' own and the node's) goes
/// through Akka.Logger.Serilog to these sinks. In the foreground the sink is the console.
/// </summary>
public static class NodeLogging
{
    /// <summary>One line per event, timestamped like twistd's log, with the source in brackets.</summary>
    public const string Template = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] [{LogSource}] {Message:lj}{NewLine}{Exception}";

    /// <summary>Creates the global Serilog logger writing at <paramref name="level"/> and above.</summary>
    public static void Configure(LogEventLevel level)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: Template)
            .CreateLogger();
    }

    /// <summary>Parses a level as Akka writes it (<c>INFO</c>, <c>WARNING</c>) or as Serilog does (<c>Information</c>, <c>warn</c>).</summary>
    public static bool TryParseLevel(string text, out LogEventLevel level)
    {
        level = text.Trim().ToLowerInvariant() switch
        {
            "debug" or "verbose" or "trace" => LogEventLevel.Debug,
            "info" or "information" => LogEventLevel.Information,
            "warning" or "warn" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            "off" or "fatal" or "none" => LogEventLevel.Fatal,
            _ => (LogEventLevel)(-1),
        };
        return level >= 0;
    }

    /// <summary>The matching Akka log level, so Akka does not even build the events Serilog would drop.</summary>
    public static LogLevel ToAkka(LogEventLevel level) => level switch
    {
        <= LogEventLevel.Debug => LogLevel.DebugLevel,
        LogEventLevel.Information => LogLevel.InfoLevel,
        LogEventLevel.Warning => LogLevel.WarningLevel,
        _ => LogLevel.ErrorLevel,
    };
}
