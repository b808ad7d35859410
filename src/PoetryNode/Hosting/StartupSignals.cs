using System.Runtime.InteropServices;
using PoetryNode.Daemon;

namespace PoetryNode.Hosting;

/// <summary>
/// Holds SIGHUP, SIGTERM and SIGINT from the first line of <c>Main</c> until the host can act on
/// them. Without it, a signal that comes while the process starts (parsing the command line,
/// reading the deployment, creating the actor system: about half a second) meets the default
/// action and kills the node (exit 129 or 143), services and all. Held signals are deferred: a
/// stop is carried out once the node has started (an orderly stop, exit 0), a hangup becomes a
/// reload once the reload service runs. Commands that serve nothing (<c>check</c>, <c>get</c>,
/// help) release the hold at once, and a stop held until then takes its default course.
/// </summary>
internal static class StartupSignals
{
    private static readonly Lock Gate = new();
    private static List<PosixSignalRegistration> _registrations = [];
    private static PosixSignal? _stop;
    private static bool _hangup;
    private static bool _hangupHandedOver;

    /// <summary>Starts holding the signals. Called first thing in <c>Main</c>.</summary>
    public static void Hold()
    {
        lock (Gate)
        {
            if (_registrations.Count > 0)
            {
                return;
            }

            // SIGHUP last: the runtime catches SIGTERM and SIGINT from its start, SIGHUP only once
            // it is registered, so a caught SIGHUP (SigCgt in /proc) shows that all three are held.
            _registrations =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            ];
        }
    }

    /// <summary>
    /// For commands that serve nothing: stops holding, and a stop that came meanwhile is raised
    /// again so it has its usual effect (a held hangup is dropped: there is nothing to reload).
    /// </summary>
    public static void Release()
    {
        PosixSignal? stop;
        lock (Gate)
        {
            foreach (var registration in _registrations)
            {
                registration.Dispose();
            }

            _registrations = [];
            stop = _stop;
            _stop = null;
            _hangup = false;
        }
        if (stop is { } signal)
        {
            Libc.kill(Environment.ProcessId, signal == PosixSignal.SIGINT ? 2 : Libc.SigTerm);
        }
    }

    /// <summary>
    /// The reload service has its own SIGHUP handler now: returns whether a hangup was held
    /// before it (to be reloaded once the node has started); later ones are the service's.
    /// </summary>
    public static bool HandOverHangup()
    {
        lock (Gate)
        {
            _hangupHandedOver = true;
            var held = _hangup;
            _hangup = false;
            return held;
        }
    }

    /// <summary>
    /// The node has started: a stop that was held is carried out with <paramref name="stop"/>
    /// (the host's orderly stop); from now on the host's own handlers take SIGTERM and SIGINT.
    /// Returns whether a stop was held.
    /// </summary>
    public static bool HandOverStop(Action stop)
    {
        bool held;
        lock (Gate)
        {
            held = _stop is not null;
            _stop = null;
        }
        if (held)
        {
            stop();
        }

        return held;
    }

    private static void OnSignal(PosixSignalContext context)
    {
        // Handled here: the default action would end the process.
        context.Cancel = true;
        lock (Gate)
        {
            // Once handed over, the reload service's and the host's own handlers see these signals too.
            if (context.Signal == PosixSignal.SIGHUP)
            {
                _hangup = !_hangupHandedOver;
            }
            else
            {
                _stop ??= context.Signal;
            }
        }
    }
}
