using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog;
using Serilog.Events;
using AkkaLogEvent = Akka.Event.LogEvent;
using SerilogLogEvent = Serilog.Events.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// The node's Akka logger (<c>akka.loggers</c>): hands every Akka log event to Serilog with the
/// event's own time, level, source (the <c>LogSource</c> property) and message template, its
/// arguments bound by Serilog. It does the work of Akka.Logger.Serilog's <c>SerilogLogger</c> at
/// a fraction of the cost per event, which matters for the access log's line per connection:
/// that one builds five enriched loggers for every event (source context, actor path, timestamp,
/// source and thread); this one builds one logger per log source, once, and binds each event
/// straight into a Serilog event. Answers <see cref="InitializeLogger"/> as every Akka logger must.
/// </summary>
internal sealed class SerilogAkkaLogger : UntypedActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    // Log sources are actor paths and names, a bounded set; past this (a source per connection,
    // say) events are still logged, with a logger built for each.
    private const int MaxCachedSources = 4096;
    private readonly Dictionary<string, ILogger> _bySource = new(StringComparer.Ordinal);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case AkkaLogEvent logEvent:
                Write(logEvent);
                break;
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Write(AkkaLogEvent logEvent)
    {
        var level = logEvent.LogLevel() switch
        {
            LogLevel.DebugLevel => LogEventLevel.Debug,
            LogLevel.InfoLevel => LogEventLevel.Information,
            LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        var logger = LoggerFor(logEvent.LogSource ?? "");
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var (template, args) = logEvent.Message is LogMessage message
            ? (message.Format, message.Parameters() as object[] ?? message.Parameters().ToArray())
            : ("{Message:l}", [logEvent.Message]);
        if (!logger.BindMessageTemplate(template, args, out var parsed, out var properties))
        {
            return;
        }

        var timestamp = new DateTimeOffset(DateTime.SpecifyKind(logEvent.Timestamp, DateTimeKind.Utc)).ToLocalTime();
        logger.Write(new SerilogLogEvent(timestamp, level, logEvent.Cause, parsed, properties));
    }

    private ILogger LoggerFor(string source)
    {
        if (_bySource.TryGetValue(source, out var logger))
        {
            return logger;
        }

        logger = Log.Logger.ForContext("LogSource", source);
        if (_bySource.Count < MaxCachedSources)
        {
            _bySource[source] = logger;
        }

        return logger;
    }
}
