using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog;
using AkkaLogEvent = Akka.Event.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// An Akka logger actor (<c>akka.loggers</c>) for the short-lived clients (<c>get</c>): hands every
/// Akka log event to the global Serilog logger, converted by <see cref="AkkaEventConverter"/> (the
/// event's own time, level, source as the <c>LogSource</c> property, message template and
/// arguments). It does the work of Akka.Logger.Serilog's <c>SerilogLogger</c> at a fraction of
/// the cost per event: that one builds five enriched loggers for every event; this one builds
/// none. A serving node logs through <see cref="NodeAkkaLogger"/> instead, with no actor at all.
/// Answers <see cref="InitializeLogger"/> as every Akka logger must.
/// </summary>
internal sealed class SerilogAkkaLogger : UntypedActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly AkkaEventConverter _converter = new();

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
        var level = AkkaEventConverter.LevelOf(logEvent);
        if (Log.Logger.IsEnabled(level))
        {
            Log.Logger.Write(_converter.Convert(logEvent, level));
        }
    }
}
