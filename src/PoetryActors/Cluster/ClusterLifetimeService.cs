using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using PoetryActors.Hosting;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// A member's lifetime around its services. Once the services have started it tells the catalog
/// to publish them. On shutdown (SIGTERM, SIGINT) it runs Akka's CoordinatedShutdown: the node
/// leaves the cluster first (the cluster phases), then, in the phase before the actor system
/// terminates, its services stop in reverse order. The same ordered stop runs when the cluster
/// downs this node (the split-brain resolver on the other side of a partition, or after a long
/// pause): the host is then stopped and <see cref="FailureReason"/> says why, so the process
/// exits non-zero for its supervisor to restart it, never lingering as a stale member.
/// </summary>
internal sealed class ClusterLifetimeService : IHostedService
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromMinutes(2);

    private readonly IRequiredActor<PoetryNodeRoot> _root;
    private readonly IRequiredActor<PoetryCatalog> _catalog;
    private readonly ActorSystem _system;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggingAdapter _log;

    public ClusterLifetimeService(IRequiredActor<PoetryNodeRoot> root, IRequiredActor<PoetryCatalog> catalog, ActorSystem system, IHostApplicationLifetime lifetime)
    {
        _root = root;
        _catalog = catalog;
        _system = system;
        _lifetime = lifetime;
        _log = Logging.GetLogger(system, "cluster");
    }

    /// <summary>
    /// Why the cluster ended this node without being asked to (it was downed, or removed), or null.
    /// The first reason CoordinatedShutdown was run for is the one kept: a stop of the host runs it
    /// for the CLR's exit, which is no failure.
    /// </summary>
    public string? FailureReason => CoordinatedShutdown.Get(_system).ShutdownReason switch
    {
        CoordinatedShutdown.ClusterDowningReason => "this node was downed by the cluster (unreachable for too long, or on the minority side of a partition); restart it to join again",
        CoordinatedShutdown.ClusterLeavingReason => "this node was removed from the cluster",
        CoordinatedShutdown.ClusterJoinUnsuccessfulReason => "this node could not join the cluster",
        _ => null,
    };

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var root = await _root.GetAsync(cancellationToken);
        var shutdown = CoordinatedShutdown.Get(_system);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "stop-poetry-services", async () =>
        {
            _log.Info("stopping the services");
            try
            {
                await root.Ask<ServiceStopped>(StopService.Instance, StopLimit);
                _log.Info("all services stopped");
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                _log.Warning("the services did not all stop in time: {0}", e.Message);
            }
            return Done.Instance;
        });

        var cluster = Akka.Cluster.Cluster.Get(_system);
        cluster.RegisterOnMemberUp(() => _log.Info("joined the cluster as {0} with roles [{1}]", cluster.SelfAddress, string.Join(", ", cluster.SelfRoles)));
        // Ended by the cluster rather than by the host: stop the host too (FailureReason says why).
        _ = _system.WhenTerminated.ContinueWith(_ => _lifetime.StopApplication(), TaskScheduler.Default);

        (await _catalog.GetAsync(cancellationToken)).Tell(new LocalServicesChanged());
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_system.WhenTerminated.IsCompleted)
        {
            return;
        }

        _log.Info("leaving the cluster");
        await CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }
}
