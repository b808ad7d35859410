using Akka.Actor;
using Akka.Event;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Services;

/// <summary>
/// The base of a leaf service (one that holds state or owns a socket, not a collection): it
/// answers <see cref="ServiceProtocol.StartService"/>, <see cref="ServiceProtocol.StopService"/>
/// and <see cref="ServiceProtocol.GetStatus"/> by running <see cref="StartServiceAsync"/> and
/// <see cref="StopServiceAsync"/>, one at a time, and hands every other message to
/// <see cref="OnServiceMessage"/>. A start that throws <see cref="ServiceStartException"/> is
/// answered with its reason; a stop is answered only when <see cref="StopServiceAsync"/> is done.
/// A service with phases of its own uses states (<c>Become</c>): each state first offers the
/// message to <see cref="HandleServiceProtocol"/>, then handles its own.
/// </summary>
public abstract class ServiceActor : UntypedActor
{
    /// <summary>Reads the logger and nothing else: the service's work starts with <see cref="StartServiceAsync"/>.</summary>
    protected ServiceActor()
    {
        Log = Context.GetLogger();
    }

    /// <summary>The actor's logger.</summary>
    protected ILoggingAdapter Log { get; }

    /// <summary>The service's name: the last element of its actor path.</summary>
    protected string Name => Self.Path.Name;

    /// <summary>Whether the service has started and not yet stopped.</summary>
    protected bool IsRunning { get; private set; }

    /// <summary>Acquire what the service needs (load a poem, bind a port). Throw <see cref="ServiceStartException"/> to refuse.</summary>
    protected abstract Task StartServiceAsync();

    /// <summary>Release it all; the stop is answered when the returned task completes.</summary>
    protected abstract Task StopServiceAsync();

    /// <summary>The service's own messages; call <c>Unhandled</c> for the rest.</summary>
    protected virtual void OnServiceMessage(object message) => Unhandled(message);

    /// <summary>The initial state: the service protocol, then <see cref="OnServiceMessage"/>.</summary>
    protected override void OnReceive(object message)
    {
        if (!HandleServiceProtocol(message))
        {
            OnServiceMessage(message);
        }
    }

    /// <summary>
    /// Handles <see cref="StartService"/>, <see cref="StopService"/> and <see cref="GetStatus"/>
    /// and returns true, or returns false for any other message. A state set with <c>Become</c>
    /// calls it first, so the service answers its collection in every state.
    /// </summary>
    protected bool HandleServiceProtocol(object message)
    {
        switch (message)
        {
            case StartService:
                HandleStart(Sender);
                return true;
            case StopService:
                HandleStop(Sender);
                return true;
            case GetStatus:
                Sender.Tell(new CurrentStatus(Name, IsRunning));
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Starts the service and answers <paramref name="replyTo"/>, as a <see cref="StartService"/>
    /// from it would: for a service that first gathers what its start needs with messages (in a
    /// state of its own, not by awaiting an Ask while its mailbox is closed).
    /// </summary>
    protected void Start(IActorRef replyTo) => HandleStart(replyTo);

    /// <summary>Answers <paramref name="replyTo"/> that the start failed because of <paramref name="cause"/>.</summary>
    protected void RefuseStart(IActorRef replyTo, Exception cause)
    {
        // The path is relative to the service that answers: empty, as it is this service that failed.
        // Its collection puts the child's name in front.
        if (cause is ServiceStartException refused)
        {
            replyTo.Tell(new ServiceStartFailed("", refused.Message));
            return;
        }

        Log.Error(cause, "service {0} failed to start", Name);
        replyTo.Tell(new ServiceStartFailed("", $"{cause.GetType().Name}: {cause.Message}"));
    }

    private void HandleStart(IActorRef replyTo)
    {
        if (IsRunning)
        {
            replyTo.Tell(new ServiceStarted(Name));
            return;
        }

        // RunTask keeps the mailbox closed until the start is done, so no message sees a half-started service.
        RunTask(async () =>
        {
            try
            {
                await StartServiceAsync();
                IsRunning = true;
                replyTo.Tell(new ServiceStarted(Name));
            }
            catch (Exception e)
            {
                RefuseStart(replyTo, e);
            }
        });
    }

    private void HandleStop(IActorRef replyTo)
    {
        if (!IsRunning)
        {
            replyTo.Tell(new ServiceStopped(Name));
            return;
        }

        RunTask(async () =>
        {
            try
            {
                await StopServiceAsync();
            }
            catch (Exception e)
            {
                Log.Warning("service {0} did not stop cleanly: {1}", Name, e.Message);
            }
            IsRunning = false;
            replyTo.Tell(new ServiceStopped(Name));
        });
    }

    /// <summary>Stopped without a <see cref="StopService"/> (a crash, or its collection cut it off): releases anyway.</summary>
    protected override void PostStop()
    {
        if (IsRunning)
        {
            IsRunning = false;
            // Without blocking the dispatcher's thread: the release starts here (a listener
            // closes its port at once) and finishes on its own; nothing waits for an answer.
            var log = Log;
            var name = Name;
            try
            {
                StopServiceAsync().ContinueWith(
                    stop => log.Warning("service {0} did not stop cleanly: {1}", name, stop.Exception!.GetBaseException().Message),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
            catch (Exception e)
            {
                Log.Warning("service {0} did not stop cleanly: {1}", Name, e.Message);
            }
        }
        base.PostStop();
    }
}
