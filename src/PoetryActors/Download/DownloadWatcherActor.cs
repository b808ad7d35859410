using Akka.Actor;
using Akka.Event;
using PoetryActors.Kinds;
using static PoetryActors.Aggregation.AggregationProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Download;

/// <summary>
/// Turns a download request's events into the callbacks of its <see cref="DownloadOptions"/>: it
/// is the aggregation's observer (<see cref="ItemSettled"/>, passed on as a
/// <see cref="PoemOutcome"/>) and the downloaders' (<see cref="DownloadProgress"/>), so the
/// callbacks run one at a time, in the order the events arrived. <see cref="Flush"/> is answered
/// once everything sent before it has been passed on. A callback that throws is logged and the
/// watcher carries on.
/// </summary>
internal sealed class DownloadWatcherActor(IReadOnlyList<NetAddress> addresses, DownloadOptions options) : UntypedActor
{
    public static Props Props(IReadOnlyList<NetAddress> addresses, DownloadOptions options) =>
        Akka.Actor.Props.Create(() => new DownloadWatcherActor(addresses, options));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DownloadProgress progress:
                Call(options.OnProgress, progress);
                break;
            case ItemSettled settled:
                if (options.OnSettled is { } onSettled)
                {
                    Call(onSettled, PoemOutcome.From(settled.Index, addresses[settled.Index], settled.Outcome));
                }

                break;
            case Flush:
                Sender.Tell(Flush.Instance);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private static void Call<T>(Action<T>? callback, T value)
    {
        try
        {
            callback?.Invoke(value);
        }
        catch (Exception e)
        {
            Context.GetLogger().Error(e, "a download callback threw while handling {0}", value);
        }
    }

    /// <summary>Answered with itself once every earlier event has been passed on.</summary>
    public sealed class Flush
    {
        public static readonly Flush Instance = new();

        private Flush()
        {
        }
    }
}
