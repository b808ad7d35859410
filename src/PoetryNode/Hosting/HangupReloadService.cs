using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using PoetryActors.Deployment;
using PoetryActors.Hosting;

namespace PoetryNode.Hosting;

/// <summary>
/// SIGHUP re-reads the deployment (and the poems) and applies the difference to the running node
/// with a <see cref="DeploymentReloader"/>: changed services restart, new ones start, removed ones
/// stop, the rest keep serving; a file with errors is refused with the same messages as at start.
/// SIGHUP is caught from the moment the host starts (before any service does, so a signal that
/// comes early never ends the node: it reloads once the node has started; one that came before
/// the host existed was held by <see cref="StartupSignals"/>) until its shutdown begins; a reload
/// in progress is finished before the services stop.
/// </summary>
internal sealed class HangupReloadService(IRequiredActor<PoetryNodeRoot> root, ActorSystem system, DeploymentSource source) : IHostedLifecycleService
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "poetry-node");
    private readonly Lock _gate = new();
    private DeploymentReloader? _reloader;
    private PosixSignalRegistration? _registration;
    private Task _reloads = Task.CompletedTask;
    private bool _stopping;
    private bool _hangupWhileStarting;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);
        if (StartupSignals.HandOverHangup())
        {
            lock (_gate)
            {
                _hangupWhileStarting = true;
            }
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var node = await root.GetAsync(cancellationToken);
        lock (_gate)
        {
            _reloader = new DeploymentReloader(node, _log, WhyNotStartable);
            if (_hangupWhileStarting)
            {
                _reloads = ReloadAfter(_reloads);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task reloads;
        lock (_gate)
        {
            _stopping = true;
            reloads = _reloads;
        }
        _registration?.Dispose();
        await reloads.WaitAsync(cancellationToken);
    }

    // Once the node has dropped root (--user), a restarted service cannot bind a port below 1024
    // again; refusing such a reload keeps the running one serving instead of losing it.
    private static string? WhyNotStartable(DeploymentEntry entry)
    {
        if (Daemon.Libc.geteuid() == 0)
        {
            return null;
        }

        var privileged = entry.Ports().Where(p => p.Port < 1024).Select(p => p.Port).ToList();
        return privileged.Count == 0 ? null
            : $"port {string.Join(", ", privileged)} needs root to bind, and this node no longer runs as root: restart the node to apply this change";
    }

    private void OnHangup(PosixSignalContext context)
    {
        // Handled: SIGHUP's default action would end the process.
        context.Cancel = true;
        lock (_gate)
        {
            if (_stopping)
            {
                _log.Warning("SIGHUP ignored: the node is shutting down");
                return;
            }
            if (_reloader is null)
            {
                _hangupWhileStarting = true;
                return;
            }
            // One after the other, in the order the signals came.
            _reloads = ReloadAfter(_reloads);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ReloadAfter(Task previous)
    {
        await previous;
        // A cluster member's catalog reads nothing while the tree changes (a replaced service would
        // be published as gone), then republishes what the node serves now, as the root collection
        // answered it, or reads its services again when the reload changed nothing.
        var catalog = ActorRegistry.For(system).TryGet<PoetryActors.Cluster.PoetryCatalog>(out var found) ? found : null;
        object after = PoetryActors.Cluster.CatalogProtocol.ReloadEnded.Instance;
        catalog?.Tell(PoetryActors.Cluster.CatalogProtocol.ReloadStarting.Instance);
        try
        {
            _log.Info("SIGHUP: reloading {0}", source.Name);
            var outcome = await _reloader!.ReloadAsync(source.Reload);
            if (outcome.Running is { } running)
            {
                after = new PoetryActors.Cluster.CatalogProtocol.DeploymentChanged(running);
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "the reload of {0} failed", source.Name);
        }
        finally
        {
            catalog?.Tell(after);
        }
        // The replaced deployment's settings and services are garbage now, as a start's are.
        _log.Debug("reload garbage collected: {0}", StartupGarbage.Describe(StartupGarbage.Collect()));
    }
}
