using System.Globalization;
using Akka.Event;
using Serilog.Events;
using Serilog.Parsing;
using AkkaLogEvent = Akka.Event.LogEvent;
using SerilogLogEvent = Serilog.Events.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// Turns an Akka log event into a Serilog event with the event's own time, level, source (the
/// <c>LogSource</c> property, carried in the event itself rather than added by an enriched
/// logger per event) and message template, its arguments captured as they are (a
/// <see cref="ScalarValue"/>, or a <see cref="TextOf"/>) and made text only when the line is
/// written. A positional hole <c>{n}</c> takes the n-th argument, as Akka's formatting does.
/// Not thread-safe: one converter per thread that converts (the log writer; a logger actor).
/// </summary>
internal sealed class AkkaEventConverter
{
    // Formats are the code's literals, a bounded set; past this (formats built from data) each is parsed each time.
    private const int MaxCachedTemplates = 4096;
    private static readonly MessageTemplateParser Parser = new();
    private readonly Dictionary<string, ParsedTemplate> _templates = new(StringComparer.Ordinal);

    /// <summary>The Serilog level of an Akka level.</summary>
    public static LogEventLevel LevelOf(AkkaLogEvent logEvent) => logEvent.LogLevel() switch
    {
        LogLevel.DebugLevel => LogEventLevel.Debug,
        LogLevel.InfoLevel => LogEventLevel.Information,
        LogLevel.WarningLevel => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };

    /// <summary>The event's time as the log shows it: local time, from Akka's UTC timestamp.</summary>
    public static DateTimeOffset LocalTimeOf(AkkaLogEvent logEvent) =>
        new DateTimeOffset(DateTime.SpecifyKind(logEvent.Timestamp, DateTimeKind.Utc)).ToLocalTime();

    /// <summary>The text the node's filters look at: the message's format (its template), or the message itself.</summary>
    public static string TemplateTextOf(AkkaLogEvent logEvent) => logEvent.Message switch
    {
        LogMessage message => message.Format,
        string text => text,
        _ => "{Message:l}",
    };

    /// <summary>The Serilog event of <paramref name="logEvent"/>, at <paramref name="level"/> (<see cref="LevelOf"/>).</summary>
    public SerilogLogEvent Convert(AkkaLogEvent logEvent, LogEventLevel level)
    {
        var (format, args) = logEvent.Message is LogMessage message
            ? (message.Format, message.Parameters())
            : ("{Message:l}", [logEvent.Message]);
        var template = TemplateFor(format);
        var properties = Capture(template, args);
        if (Array.IndexOf(template.Names, "LogSource") < 0)
        {
            properties.Add(new LogEventProperty("LogSource", new ScalarValue(logEvent.LogSource ?? "")));
        }

        return new SerilogLogEvent(LocalTimeOf(logEvent), level, logEvent.Cause, template.Parsed, properties);
    }

    /// <summary>The parsed form of an Akka format: Serilog's template, its hole names, and which argument each takes.</summary>
    public ParsedTemplate TemplateFor(string format)
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
        if (_templates.Count < MaxCachedTemplates)
        {
            _templates[format] = template;
        }

        return template;
    }

    private static List<LogEventProperty> Capture(ParsedTemplate template, IEnumerable<object> args)
    {
        var values = args as IReadOnlyList<object> ?? args.ToArray();
        var properties = new List<LogEventProperty>(template.Names.Length + 1);
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

    /// <summary>An Akka format parsed: Serilog's template, its distinct hole names, and the argument index of each name.</summary>
    public sealed record ParsedTemplate(MessageTemplate Parsed, string[] Names, int[] ArgumentIndexes)
    {
        /// <summary>The argument index of the hole named <paramref name="name"/>.</summary>
        public int IndexOf(string name) => ArgumentIndexes[Array.IndexOf(Names, name)];
    }

    /// <summary>Any other argument (an endpoint, say): its <c>ToString()</c>, as plain text, when written.</summary>
    private sealed class TextOf(object value) : ScalarValue(value)
    {
        public override void Render(TextWriter output, string? format = null, IFormatProvider? formatProvider = null) =>
            output.Write(Value?.ToString());
    }
}
