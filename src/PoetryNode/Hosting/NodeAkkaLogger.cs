using Akka.Event;
using Serilog;
using AkkaLogEvent = Akka.Event.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// A serving node's Akka logger, an Akka minimal logger: named in <c>akka.loggers</c> and as
/// <c>akka.stdout-logger-class</c>, it is subscribed to the event stream for the actor system's
/// whole life and takes every event on the thread that logged it, with no logger actor, mailbox
/// or dispatcher between them. It only puts the event in the log writer's queue
/// (<see cref="BatchingLogSink"/>), which formats and writes it on its own thread: the thread
/// that logged pays no conversion, no formatting and no hop (measured with a line per
/// connection: the hop to a logger actor and the conversion to a Serilog event cost the accept
/// thread about 5% of the node's CPU). Because each event is queued before the call that logged
/// it returns, lines keep the order in which the code logged them, across threads too (a logger
/// actor on the calling thread could leave one thread's event for another to queue later).
/// Before the node's log is set up, and after it is closed, events go to Serilog's global logger.
/// </summary>
internal sealed class NodeAkkaLogger : MinimalLogger
{
    private static readonly AkkaEventConverter Fallback = new();

    /// <summary>
    /// The settings that make it the actor system's one logger: a minimal logger named in
    /// <c>akka.loggers</c> keeps Akka's stdout logger subscribed for the system's whole life,
    /// which is this one, at <paramref name="level"/> and above (Akka subscribes the stdout logger
    /// at <c>akka.stdout-loglevel</c>, so it must be the node's level).
    /// </summary>
    public static string Hocon(LogLevel level)
    {
        var type = typeof(NodeAkkaLogger).AssemblyQualifiedName;
        return $$"""
            akka.loggers = ["{{type}}"]
            akka.stdout-logger-class = "{{type}}"
            akka.stdout-loglevel = {{level.ToString().Replace("Level", "").ToUpperInvariant()}}
            """;
    }

    /// <inheritdoc />
    protected override void Log(object message)
    {
        if (message is not AkkaLogEvent e)
        {
            return;
        }

        if (NodeLogging.Writer is { } writer && writer.TryEmit(e))
        {
            return;
        }

        var level = AkkaEventConverter.LevelOf(e);
        lock (Fallback)
        {
            Serilog.Log.Logger.Write(Fallback.Convert(e, level));
        }
    }
}
