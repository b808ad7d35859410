using Akka.Event;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace PoetryNode.Hosting;

/// <summary>
/// The node's Serilog set-up: every Akka log line (the services' own and the node's) goes
/// through the node's Akka logger (<see cref="NodeAkkaLogger"/>) to one sink, written behind
/// the logging threads in batches (<see cref="BatchingLogSink"/>): the console (stdout) in the foreground, or a file (a daemon's default,
/// or <c>--logfile</c>) that Serilog's file sink rolls over by size.
/// </summary>
internal static class NodeLogging
{
    /// <summary>One line per event, timestamped like twistd's log, with the source in brackets.</summary>
    public const string Template = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] [{LogSource}] {Message:l}{NewLine}{Exception}";

    /// <summary>Creates the global Serilog logger writing at <paramref name="level"/> and above to <paramref name="target"/>.</summary>
    /// <remarks>
    /// Logging costs the thread that logs only a queue insertion: <see cref="BatchingLogSink"/>
    /// formats and writes on a worker thread of its own, a batch per write under load and at once
    /// when quiet; it waits rather than drops when its queue is full, and <c>Log.CloseAndFlush</c>
    /// at exit writes what is still queued, so a clean stop loses no line and every line keeps
    /// its order. A file is rolled over once it reaches the size limit: Serilog keeps the first
    /// name (<c>poetry-node.log</c>) and continues in <c>poetry-node_001.log</c>, <c>_002</c> and
    /// so on, the highest number being the current file; beyond the current one it keeps
    /// <see cref="LogTarget.Keep"/> files and deletes the oldest.
    /// </remarks>
    public static void Configure(LogEventLevel level, LogTarget target)
    {
        Action flush;
        NodeLogLines? lines = null;
        var writer = new LoggerConfiguration().MinimumLevel.Verbose();
        if (target.File is { } file)
        {
            var batches = new BatchedFileWrites(target.SizeLimit);
            flush = batches.Flush;
            lines = new NodeLogLines(batches.ChunkChars);
            writer.WriteTo.File(lines, file,
                fileSizeLimitBytes: target.SizeLimit,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: target.Keep + 1,
                hooks: batches);
        }
        else if (Console.IsOutputRedirected)
        {
            // The journal, a pipe or a file: plain lines, written a batch at a time.
            lines = new NodeLogLines(BufferedTextSink.BufferChars);
            var stdout = new BufferedTextSink(Console.OpenStandardOutput(), lines);
            flush = stdout.Flush;
            writer.WriteTo.Sink(stdout);
        }
        else
        {
            // A terminal: Serilog's console sink, with its colours, a line at a time.
            flush = () => { };
            writer.WriteTo.Console(outputTemplate: Template);
        }

        var written = writer.CreateLogger();
        if (lines is not null)
        {
            lines.Sink = written;
        }

        var sink = new BatchingLogSink(written, flush, level, lines);
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Filter.ByExcluding(e => IsFilteredOut(e.Level, e.Properties.TryGetValue("LogSource", out var source) && source is ScalarValue { Value: string name } ? name : "",
                e.Exception, e.MessageTemplate.Text))
            .WriteTo.Sink(sink)
            .CreateLogger();
        Writer = sink;
    }

    /// <summary>
    /// The node's log writer once <see cref="Configure"/> has run: <see cref="NodeAkkaLogger"/>
    /// queues Akka's events there (the level and <see cref="IsFilteredOut"/> are applied by the writer).
    /// </summary>
    public static BatchingLogSink? Writer { get; private set; }

    /// <summary>
    /// The lines the node leaves out of its log, whether they come from Akka or from Serilog:
    /// <see cref="IsShutdownChatter"/>, and a get or catalog client leaving, which is not a
    /// member's error (see <see cref="Cluster.ClientDepartures"/>).
    /// </summary>
    public static bool IsFilteredOut(LogEventLevel level, string source, Exception? cause, string template) =>
        IsShutdownChatter(level, source) || Cluster.ClientDepartures.IsClientLeaving(level, source, cause, template);

    /// <summary>
    /// Akka's "CoordinatedShutdown invoked due to [Reason:...ClrExitReason]" line: the host ends
    /// the actor system that way after every stop, clean or failed, once the node has already
    /// said how it stopped, so the line only misleads. Its warnings and errors still pass.
    /// </summary>
    public static bool IsShutdownChatter(LogEventLevel level, string source) =>
        level <= LogEventLevel.Information && source.StartsWith("CoordinatedShutdown", StringComparison.Ordinal);

    /// <summary>The log files <paramref name="target"/> has written so far (the first one, then the rolled-over ones).</summary>
    public static IEnumerable<string> Files(LogTarget target)
    {
        if (target.File is not { } file)
        {
            yield break;
        }

        var folder = Path.GetDirectoryName(file)!;
        var stem = Path.GetFileNameWithoutExtension(file);
        var extension = Path.GetExtension(file);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(folder, stem + "*" + extension))
        {
            var middle = Path.GetFileName(path)[stem.Length..^extension.Length];
            if (middle.Length == 0 || (middle.Length >= 4 && middle[0] == '_' && middle[1..].All(char.IsAsciiDigit)))
            {
                yield return path;
            }
        }
    }

    /// <summary>Null when <paramref name="target"/> can be written, else why not (checked before anything starts).</summary>
    public static string? CheckWritable(LogTarget target)
    {
        if (target.File is not { } file)
        {
            return null;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using var probe = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write the log file {file}: {e.Message}";
        }
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
