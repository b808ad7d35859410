using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace PoetryNode.Hosting;

/// <summary>
/// Tells the service manager how the node is doing (sd_notify, for <c>Type=notify</c> units):
/// <c>READY=1</c> once everything has started (every port bound, the pid file written, the
/// privileges dropped) and <c>STOPPING=1</c> as soon as a shutdown begins. It uses the Generic
/// Host's own <see cref="SystemdNotifier"/>, which speaks to <c>$NOTIFY_SOCKET</c>, but not
/// <c>AddSystemd()</c>: in this version that switches on only when the parent process is systemd
/// (or the process is pid 1), while sd_notify's contract is the socket variable alone, which is
/// also how wrappers, containers and the end-to-end tests run the node. Without the variable it
/// does nothing.
/// </summary>
internal sealed class SystemdNotificationService(ActorSystem system) : IHostedLifecycleService
{
    private readonly SystemdNotifier _notifier = new();
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "poetry-node");

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        Notify(ServiceState.Ready);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        Notify(ServiceState.Stopping);
        return Task.CompletedTask;
    }

    private void Notify(ServiceState state)
    {
        if (!_notifier.IsEnabled)
        {
            return;
        }

        try
        {
            _notifier.Notify(state);
            _log.Info("told the service manager {0}", state.ToString().Trim());
        }
        catch (SocketException e)
        {
            _log.Warning("cannot tell the service manager {0}: {1}", state.ToString().Trim(), e.Message);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
