using System.Globalization;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;
using AkkaLogEvent = Akka.Event.LogEvent;
using SerilogLogEvent = Serilog.Events.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// The node's Akka logger (<c>akka.loggers</c>): hands every Akka log event to Serilog with the
/// event's own time, level, source (the <c>LogSource</c> property) and message template, its
/// arguments bound by Serilog. It does the work of Akka.Logger.Serilog's <c>SerilogLogger</c> at
/// a fraction of the cost per event, which matters for the access log's line per connection:
/// that one builds five enriched loggers for every event (source context, actor path, timestamp,
/// source and thread); this one builds one logger per log source, once, and puts each event
/// straight into a Serilog event, its arguments captured as they are. Answers <see cref="InitializeLogger"/> as every Akka logger must.
/// </summary>
internal sealed class SerilogAkkaLogger : UntypedActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    // Log sources are actor paths and names, a bounded set; past this (a source per connection,
    // say) events are still logged, with a logger built for each.
    private const int MaxCachedSources = 4096;
    private static readonly MessageTemplateParser Parser = new();
    private readonly Dictionary<string, ILogger> _bySource = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ParsedTemplate> _templates = new(StringComparer.Ordinal);

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

        var (format, args) = logEvent.Message is LogMessage message
            ? (message.Format, message.Parameters())
            : ("{Message:l}", [logEvent.Message]);
        var template = TemplateFor(format);
        var timestamp = new DateTimeOffset(DateTime.SpecifyKind(logEvent.Timestamp, DateTimeKind.Utc)).ToLocalTime();
        logger.Write(new SerilogLogEvent(timestamp, level, logEvent.Cause, template.Parsed, Capture(template, args)));
    }

    /// <summary>
    /// The arguments as they are (in a <see cref="ScalarValue"/>, or a <see cref="TextOf"/>): turned into text only when
    /// the line is written, on the log writer's thread (this actor runs on the thread that logged:
    /// see <see cref="CallingThreadDispatcherConfigurator"/>). Akka's own loggers format a log
    /// message's arguments just as late. A positional hole <c>{n}</c> takes the n-th argument, as
    /// Akka's formatting does.
    /// </summary>
    private static List<LogEventProperty> Capture(ParsedTemplate template, IEnumerable<object> args)
    {
        var values = args as IReadOnlyList<object> ?? args.ToArray();
        var properties = new List<LogEventProperty>(template.Names.Length);
        for (var i = 0; i < template.Names.Length; i++)
        {
            var index = template.ArgumentIndexes[i];
            if (index >= values.Count)
            {
                continue;
            }

            var arg = values[index];
            properties.Add(new LogEventProperty(template.Names[i], arg is null or string or IFormattable or bool or char
                ? new ScalarValue(arg)
                : new TextOf(arg)));
        }
        return properties;
    }

    private ParsedTemplate TemplateFor(string format)
    {
        if (_templates.TryGetValue(format, out var template))
        {
            return template;
        }

        var parsed = Parser.Parse(format);
        var names = parsed.Tokens.OfType<PropertyToken>().Select(p => p.PropertyName).Distinct().ToArray();
        // A positional hole {n} takes the n-th argument wherever it stands (Akka's cluster log
        // lines put their prefix's {2} first); a named one takes the next in order.
        var next = 0;
        var indexes = names.Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : next++).ToArray();
        template = new ParsedTemplate(parsed, names, indexes);
        // Formats are the code's literals, a bounded set; one built from data is parsed each time.
        if (_templates.Count < MaxCachedSources)
        {
            _templates[format] = template;
        }

        return template;
    }

    private sealed record ParsedTemplate(MessageTemplate Parsed, string[] Names, int[] ArgumentIndexes);

    /// <summary>Any other argument (an endpoint, say): its <c>ToString()</c>, as plain text, when written.</summary>
    private sealed class TextOf(object value) : ScalarValue(value)
    {
        public override void Render(TextWriter output, string? format = null, IFormatProvider? formatProvider = null) =>
            output.Write(Value?.ToString());
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
