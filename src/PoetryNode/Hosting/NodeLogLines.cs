using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Event;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Parsing;
using AkkaLogEvent = Akka.Event.LogEvent;
using SerilogLogEvent = Serilog.Events.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// The log writer's text: formats the common Akka events (no exception, a plain string or a
/// format whose holes have no alignment or format specifier, arguments that are strings, numbers
/// or anything else shown by its <c>ToString()</c>, such as the access log's endpoint) straight
/// into a buffer of lines, character for character as <see cref="NodeLogging.Template"/> through
/// Serilog's <see cref="MessageTemplateTextFormatter"/> would, with no Serilog event, property or
/// string per line: the time up to the second is formatted once a second, the rest is copied.
/// The lines reach the sink as one chunk at a time through a single marker event
/// (<see cref="Write"/>) that this formatter, the sink's formatter, writes out as it is, so the
/// file sink's size check and rolling still apply, between chunks; a chunk holds at most
/// <c>chunkChars</c> characters (or one line). Every other event is formatted by Serilog's
/// formatter, as before. Used only on the log writer's thread (<see cref="BatchingLogSink"/>).
/// </summary>
internal sealed class NodeLogLines(int chunkChars) : ITextFormatter
{
    private static readonly SerilogLogEvent Chunk = new(DateTimeOffset.MinValue, LogEventLevel.Information, null, MessageTemplate.Empty, []);
    private static readonly string NewLine = Environment.NewLine;
    private readonly MessageTemplateTextFormatter _serilog = new(NodeLogging.Template);
    private readonly AkkaEventConverter _templates = new();
    private readonly Dictionary<AkkaEventConverter.ParsedTemplate, Part[]?> _fast = new(ReferenceEqualityComparer.Instance);
    private char[] _buffer = new char[Math.Max(chunkChars, 256) + 1024];
    private int _length;
    private int _chunk;
    private long _second = long.MinValue;
    private string _secondText = "";

    /// <summary>The sink the chunks are written to (the writer's Serilog logger); set once it exists.</summary>
    public ILogEventSink? Sink { get; set; }

    /// <summary>Appends <paramref name="e"/>'s line, or returns false (nothing appended) for an event Serilog must format.</summary>
    public bool TryAppend(AkkaLogEvent e, LogEventLevel level)
    {
        if (e.Cause is not null)
        {
            return false;
        }

        Part[]? parts = null;
        IReadOnlyList<object>? args = null;
        var text = e.Message as string;
        if (text is null)
        {
            if (e.Message is not LogMessage message || (parts = PartsOf(message.Format)) is null
                || (args = message.Parameters() as IReadOnlyList<object>) is null)
            {
                return false;
            }
        }

        var start = _length;
        AppendTime(e.Timestamp);
        Append(" [");
        Append(MonikerOf(level));
        Append("] [");
        Append(e.LogSource ?? "");
        Append("] ");
        if (text is not null)
        {
            Append(text);
        }
        else
        {
            foreach (var part in parts!)
            {
                if (part.Text is not null)
                {
                    Append(part.Text);
                }
                else if (part.Argument >= args!.Count || !TryAppendArgument(args[part.Argument]))
                {
                    // A hole without its argument shows the hole itself, and a null shows as
                    // null: Serilog's way, left to Serilog.
                    _length = start;
                    return false;
                }
            }
        }

        Append(NewLine);
        if (_length > chunkChars && start > 0)
        {
            // This line would make the chunk too long: the lines before it go first.
            var line = _length - start;
            _length = start;
            Write();
            Array.Copy(_buffer, start, _buffer, 0, line);
            _length = line;
        }

        return true;
    }

    /// <summary>Writes the lines appended so far to <see cref="Sink"/>, as one chunk.</summary>
    public void Write()
    {
        if (_length == 0 || Sink is null)
        {
            return;
        }

        _chunk = _length;
        try
        {
            Sink.Emit(Chunk);
        }
        finally
        {
            _chunk = 0;
            _length = 0;
        }
    }

    /// <inheritdoc />
    public void Format(SerilogLogEvent logEvent, TextWriter output)
    {
        if (ReferenceEquals(logEvent, Chunk))
        {
            output.Write(_buffer, 0, _chunk);
        }
        else
        {
            _serilog.Format(logEvent, output);
        }
    }

    private bool TryAppendArgument(object? value)
    {
        switch (value)
        {
            case null:
                return false;
            case string s:
                // {Message:l}: strings without quotes.
                Append(s);
                return true;
            case IPEndPoint endpoint when endpoint.GetType() == typeof(IPEndPoint):
                // The access log's peer, as IPEndPoint.ToString() writes it ([address]:port for
                // IPv6), without making the string. An IPv6 address with its scope and the port take
                // at most 64 characters.
                Reserve(80);
                var v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
                var at = _length;
                if (v6)
                {
                    _buffer[at++] = '[';
                }

                if (!endpoint.Address.TryFormat(_buffer.AsSpan(at), out var address))
                {
                    Append(endpoint.ToString());
                    return true;
                }

                at += address;
                if (v6)
                {
                    _buffer[at++] = ']';
                }

                _buffer[at++] = ':';
                endpoint.Port.TryFormat(_buffer.AsSpan(at), out var port, default, CultureInfo.InvariantCulture);
                _length = at + port;
                return true;
            case ISpanFormattable formattable:
                // Serilog formats a scalar with the invariant culture when no provider is given.
                Reserve(64);
                if (formattable.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture))
                {
                    _length += written;
                    return true;
                }

                Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                return true;
            case IFormattable formattable:
                Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                return true;
            default:
                Append(value.ToString() ?? "");
                return true;
        }
    }

    // The time as {Timestamp:yyyy-MM-dd HH:mm:ss.fff} shows it: local, invariant culture. Zones
    // are whole minutes off UTC, so the milliseconds are UTC's.
    private void AppendTime(DateTime utc)
    {
        var second = utc.Ticks / TimeSpan.TicksPerSecond;
        if (second != _second)
        {
            var local = new DateTimeOffset(DateTime.SpecifyKind(new DateTime(second * TimeSpan.TicksPerSecond), DateTimeKind.Utc)).ToLocalTime();
            _secondText = local.ToString("yyyy-MM-dd HH:mm:ss.", CultureInfo.InvariantCulture);
            _second = second;
        }

        Append(_secondText);
        var milliseconds = (int)(utc.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond);
        Reserve(3);
        _buffer[_length++] = (char)('0' + milliseconds / 100);
        _buffer[_length++] = (char)('0' + milliseconds / 10 % 10);
        _buffer[_length++] = (char)('0' + milliseconds % 10);
    }

    private static string MonikerOf(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "VRB",
        LogEventLevel.Debug => "DBG",
        LogEventLevel.Information => "INF",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Error => "ERR",
        _ => "FTL",
    };

    // The template's parts, or null when it has a hole Serilog must render (alignment, format, @ or $).
    private Part[]? PartsOf(string format)
    {
        var template = _templates.TemplateFor(format);
        if (_fast.TryGetValue(template, out var parts))
        {
            return parts;
        }

        var list = new List<Part>();
        foreach (var token in template.Parsed.Tokens)
        {
            switch (token)
            {
                case TextToken text:
                    list.Add(new Part(text.Text, 0));
                    break;
                case PropertyToken { Alignment: null, Format: null, Destructuring: Destructuring.Default } hole:
                    list.Add(new Part(null, template.IndexOf(hole.PropertyName)));
                    break;
                default:
                    list = null;
                    break;
            }

            if (list is null)
            {
                break;
            }
        }

        parts = list?.ToArray();
        if (_fast.Count < 4096)
        {
            _fast[template] = parts;
        }

        return parts;
    }

    private void Append(string text)
    {
        Reserve(text.Length);
        text.CopyTo(0, _buffer, _length, text.Length);
        _length += text.Length;
    }

    private void Reserve(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }

    /// <summary>Literal text, or the argument at <see cref="Argument"/> when <see cref="Text"/> is null.</summary>
    private readonly record struct Part(string? Text, int Argument);
}
