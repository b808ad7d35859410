using Akka.Actor;
using Akka.Event;

namespace PoetryNode.Status;

/// <summary>
/// The node's most recent warnings and errors, for the status page: a small ring filled by an
/// actor subscribed to the actor system's event stream (where every Akka log line passes), so
/// the page shows what the log shows without another logging sink. Thread-safe.
/// </summary>
internal sealed class RecentWarnings(int capacity)
{
    // Long lines are shortened: the page is a summary, the log has the whole line.
    private const int MaxMessageLength = 300;

    private readonly Lock _gate = new();
    private readonly Queue<RecentWarning> _warnings = new();

    /// <summary>The warnings kept, oldest first.</summary>
    public IReadOnlyList<RecentWarning> Snapshot()
    {
        lock (_gate)
        {
            return _warnings.ToList();
        }
    }

    /// <summary>Starts collecting from <paramref name="system"/>'s event stream.</summary>
    public void CollectFrom(ActorSystem system)
    {
        if (capacity == 0)
        {
            return;
        }

        var collector = system.ActorOf(Props.Create(() => new CollectorActor(this)).WithDeploy(Deploy.Local), "status-warnings");
        system.EventStream.Subscribe(collector, typeof(Warning));
        system.EventStream.Subscribe(collector, typeof(Error));
    }

    private void Add(LogEvent e)
    {
        var message = e.Message?.ToString() ?? "";
        if (e is Error { Cause: { } cause })
        {
            message = $"{message}: {cause.Message}";
        }

        message = string.Join(' ', message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        if (message.Length > MaxMessageLength)
        {
            message = message[..MaxMessageLength] + "...";
        }

        var warning = new RecentWarning(new DateTimeOffset(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)), e.LogLevel() == LogLevel.ErrorLevel ? "error" : "warning",
            e.LogSource, message);
        lock (_gate)
        {
            _warnings.Enqueue(warning);
            while (_warnings.Count > capacity)
            {
                _warnings.Dequeue();
            }
        }
    }

    private sealed class CollectorActor(RecentWarnings warnings) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case LogEvent e:
                    warnings.Add(e);
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }
}
