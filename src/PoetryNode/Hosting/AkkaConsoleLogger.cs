using Akka.Event;
using Serilog.Events;

namespace PoetryNode.Hosting;

/// <summary>
/// Akka's minimal logger (<c>akka.stdout-logger-class</c>), used before the Serilog logger has
/// started and after it has stopped: instead of Akka's own console format
/// (<c>[DEBUG][date][Thread 0006]</c>) it hands the line to Serilog, so a node's log has one
/// format from the first line to the last.
/// </summary>
internal sealed class AkkaConsoleLogger : MinimalLogger
{
    /// <inheritdoc />
    protected override void Log(object message)
    {
        if (message is not Akka.Event.LogEvent e)
        {
            return;
        }

        var level = e.LogLevel() switch
        {
            LogLevel.DebugLevel => LogEventLevel.Debug,
            LogLevel.InfoLevel => LogEventLevel.Information,
            LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        Serilog.Log.ForContext("LogSource", e.LogSource).Write(level, e.Cause, "{Message:l}", e.Message?.ToString());
    }
}
