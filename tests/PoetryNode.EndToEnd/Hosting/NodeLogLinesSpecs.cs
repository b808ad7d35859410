using System.Net;
using Akka.Event;
using PoetryNode.Hosting;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using AkkaLogEvent = Akka.Event.LogEvent;
using SerilogLogEvent = Serilog.Events.LogEvent;

namespace PoetryNode.EndToEnd.Hosting;

/// <summary>
/// The log writer formats the common Akka events itself (<see cref="NodeLogLines"/>): each line
/// must be, character for character, what Serilog's formatter makes of the same event with the
/// node's template, and an event it cannot format exactly must be left to Serilog.
/// </summary>
public sealed class NodeLogLinesSpecs
{
    private const string Listener = "akka://poetry/user/node/fastpoetry/listener";

    public static TheoryData<string, object[]> FormattedEvents() => new()
    {
        { "sending {0} bytes of poetry to {1}", [2975, new IPEndPoint(IPAddress.Loopback, 42658)] },
        { "sending {0} bytes of poetry to {1}", [0, new IPEndPoint(IPAddress.Parse("fe80::1%2"), 1)] },
        { "sending {0} bytes of poetry to {1}", [int.MaxValue, new IPEndPoint(IPAddress.IPv6Loopback, 65535)] },
        { "sending {0} bytes of poetry to {1}", [12, new DnsEndPoint("poems.example", 10000)] },
        { "loaded a poem from: {0}", ["poetry/ecstasy.txt"] },
        { "{Name} met {Other} and {Name} again", ["Ann", "Bob"] },
        { "{1} before {0}, then {2}", ["first", "second", "third"] },
        { "{0} {1} {2} {3} {4} {5} {6}", [-42L, 1.5, 1e-7, 3.25m, (short)7, byte.MaxValue, ulong.MaxValue] },
        { "a {0}, a {1}, a {2}, a {3}", [true, 'x', TimeSpan.FromMilliseconds(1500), LogLevel.WarningLevel] },
        { "when {0} and {1}", [new DateTime(2026, 12, 1, 19, 5, 12, 445, DateTimeKind.Utc), new Guid("d4c0ffee-0000-4000-8000-000000000001")] },
        { "an object: {0}", [new Uri("http://127.0.0.1:10080/metrics")] },
        { "unicode {0}: καλημέρα, 诗, 🌹 {{not a hole}}", ["ünïcødé"] },
        { "no holes at all", [] },
    };

    [Theory]
    [MemberData(nameof(FormattedEvents))]
    public void A_formatted_event_is_written_as_Serilogs_formatter_writes_it(string format, object[] args)
    {
        var e = Capture(log => log.Info(format, args));

        Assert.Equal(Serilog(e), Lines(e));
    }

    [Fact]
    public void The_access_line_is_written_as_Serilog_writes_it()
    {
        var e = Capture(log => log.Info("sending {0} bytes of poetry to {1}", 2975, (object)new IPEndPoint(IPAddress.Loopback, 42658)));

        var line = Lines(e);

        Assert.Equal(Serilog(e), line);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[INF\] \[akka://poetry/user/node/fastpoetry/listener\] sending 2975 bytes of poetry to 127\.0\.0\.1:42658\n$", line);
    }

    [Theory]
    [InlineData(LogLevel.DebugLevel, LogEventLevel.Debug)]
    [InlineData(LogLevel.InfoLevel, LogEventLevel.Information)]
    [InlineData(LogLevel.WarningLevel, LogEventLevel.Warning)]
    [InlineData(LogLevel.ErrorLevel, LogEventLevel.Error)]
    public void Every_level_and_a_plain_string_message_are_written_as_Serilog_writes_them(LogLevel akka, LogEventLevel serilog)
    {
        var e = Capture(log => log.Log(akka, "Using cached poem."));

        Assert.Equal(serilog, AkkaEventConverter.LevelOf(e));
        Assert.Equal(Serilog(e), Lines(e));
    }

    [Fact]
    public void An_event_without_a_source_is_written_as_Serilog_writes_it()
    {
        var e = Capture(log => log.Info("no source"), source: null);

        Assert.Equal(Serilog(e), Lines(e));
    }

    public static TheoryData<string, object?[]> EventsForSerilog() => new()
    {
        { "a number with a format: {0:N2}", [1234.5] },
        { "an aligned {0,8}|", ["hole"] },
        { "a destructured {@0}", [new { A = 1 }] },
        { "a stringified {$0}", [new { A = 1 }] },
        { "{0} has no {1}", ["this hole"] },
        { "a null: {0}", [null] },
    };

    [Theory]
    [MemberData(nameof(EventsForSerilog))]
    public void An_event_it_cannot_format_exactly_is_left_to_Serilog(string format, object?[] args)
    {
        var e = Capture(log => log.Info(format, args));
        var lines = new NodeLogLines(4096);

        Assert.False(lines.TryAppend(e, LogEventLevel.Information));
        // And Serilog writes it the way it always did.
        Assert.StartsWith(DateTime.Now.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), Serilog(e));
    }

    [Fact]
    public void An_event_with_an_exception_is_left_to_Serilog()
    {
        var e = Capture(log => log.Error(new InvalidOperationException("boom"), "failed: {0}", "why"));

        Assert.False(new NodeLogLines(4096).TryAppend(e, LogEventLevel.Error));
    }

    [Fact]
    public void Lines_reach_the_sink_in_order_in_chunks_of_whole_lines_no_longer_than_the_limit()
    {
        const int limit = 300;
        var chunks = new List<string>();
        var lines = new NodeLogLines(limit);
        lines.Sink = new Writing(lines, chunks.Add);
        var expected = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            var e = Capture(log => log.Info("sending {0} bytes of poetry to {1}", i, (object)new IPEndPoint(IPAddress.Loopback, 40000 + i)));
            expected.Add(Serilog(e));
            Assert.True(lines.TryAppend(e, LogEventLevel.Information));
        }
        lines.Write();

        Assert.Equal(string.Concat(expected), string.Concat(chunks));
        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, limit));
        Assert.All(chunks, c => Assert.EndsWith("\n", c));
    }

    [Fact]
    public void A_line_longer_than_the_limit_goes_alone_in_its_chunk()
    {
        var chunks = new List<string>();
        var lines = new NodeLogLines(100);
        lines.Sink = new Writing(lines, chunks.Add);
        var shortLine = Capture(log => log.Info("short"));
        var longLine = Capture(log => log.Info("long {0}", new string('x', 500)));

        lines.TryAppend(shortLine, LogEventLevel.Information);
        lines.TryAppend(longLine, LogEventLevel.Information);
        lines.TryAppend(shortLine, LogEventLevel.Information);
        lines.Write();

        Assert.Equal([Serilog(shortLine), Serilog(longLine), Serilog(shortLine)], chunks);
    }

    [Fact]
    public void Events_from_Serilog_itself_are_formatted_by_Serilog()
    {
        var lines = new NodeLogLines(4096);
        var e = new SerilogLogEvent(DateTimeOffset.Now, LogEventLevel.Warning, null,
            new Serilog.Parsing.MessageTemplateParser().Parse("replacing the stale pid file {Path}"),
            [new LogEventProperty("Path", new ScalarValue("/run/poetry.pid")), new LogEventProperty("LogSource", new ScalarValue("poetry-node"))]);
        var written = new StringWriter();

        lines.Format(e, written);

        var expected = new StringWriter();
        new MessageTemplateTextFormatter(NodeLogging.Template).Format(e, expected);
        Assert.Equal(expected.ToString(), written.ToString());
        Assert.Contains("[WRN] [poetry-node] replacing the stale pid file /run/poetry.pid", written.ToString());
    }

    // What the node wrote before it formatted lines itself: the converted event through Serilog's formatter.
    private static string Serilog(AkkaLogEvent e)
    {
        var output = new StringWriter();
        new MessageTemplateTextFormatter(NodeLogging.Template).Format(new AkkaEventConverter().Convert(e, AkkaEventConverter.LevelOf(e)), output);
        return output.ToString();
    }

    private static string Lines(AkkaLogEvent e)
    {
        var chunks = new List<string>();
        var lines = new NodeLogLines(4096);
        lines.Sink = new Writing(lines, chunks.Add);
        Assert.True(lines.TryAppend(e, AkkaEventConverter.LevelOf(e)), "expected the event to be formatted without Serilog");
        lines.Write();
        return Assert.Single(chunks);
    }

    private static AkkaLogEvent Capture(Action<ILoggingAdapter> log, string? source = Listener)
    {
        var adapter = new CapturingAdapter(source);
        log(adapter);
        return Assert.Single(adapter.Events);
    }

    /// <summary>The sink a chunk goes to: it writes the chunk through the formatter, as the file sink does.</summary>
    private sealed class Writing(NodeLogLines formatter, Action<string> wrote) : ILogEventSink
    {
        public void Emit(SerilogLogEvent logEvent)
        {
            var output = new StringWriter();
            formatter.Format(logEvent, output);
            wrote(output.ToString());
        }
    }

    /// <summary>An Akka logging adapter that keeps the events Akka would publish, made by Akka's own logging calls.</summary>
    private sealed class CapturingAdapter(string? source) : LoggingAdapterBase(DefaultLogMessageFormatter.Instance)
    {
        public List<AkkaLogEvent> Events { get; } = [];
        public override bool IsDebugEnabled => true;
        public override bool IsInfoEnabled => true;
        public override bool IsWarningEnabled => true;
        public override bool IsErrorEnabled => true;

        protected override void NotifyLog(LogLevel logLevel, object message, Exception? cause = null) =>
            Events.Add(logLevel switch
            {
                LogLevel.DebugLevel => new Debug(cause, source, typeof(NodeLogLinesSpecs), message),
                LogLevel.InfoLevel => new Info(cause, source, typeof(NodeLogLinesSpecs), message),
                LogLevel.WarningLevel => new Warning(cause, source, typeof(NodeLogLinesSpecs), message),
                _ => new Error(cause, source, typeof(NodeLogLinesSpecs), message),
            });
    }
}
