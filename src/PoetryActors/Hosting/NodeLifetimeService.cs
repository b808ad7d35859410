using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using PoetryActors.Services;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Hosting;

/// <summary>
/// Ties the node's root service collection to the host's lifetime: the host's start starts every
/// service (in deployment order) and fails with a <see cref="NodeStartException"/> naming the
/// service that could not start; the host's stop (SIGINT, SIGTERM) stops them in reverse order,
/// each awaited, before the actor system shuts down.
/// </summary>
internal sealed class NodeLifetimeService(IRequiredActor<PoetryNodeRoot> root, ActorSystem system) : IHostedService
{
    // Through Akka's logging, so these lines reach the same Serilog sinks, in order, as the services' own.
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "node");

    // Generous: a start is bounded per service by poetry.services.start-timeout anyway.
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(2);
    // No limit of its own: each child's stop is bounded by its budget, and the whole by the
    // host's shutdown timeout (the cancellation token), which the node sets from those budgets.
    private static readonly TimeSpan StopLimit = Timeout.InfiniteTimeSpan;
    private static readonly TimeSpan RootLookupLimit = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var node = await root.GetAsync(cancellationToken);
        var answer = await node.Ask<object>(StartService.Instance, StartLimit, cancellationToken);
        switch (answer)
        {
            case ServiceStarted:
                _log.Info("node started");
                break;
            case ServiceStartFailed failed:
                throw new NodeStartException($"cannot start {failed.ServicePath}: {failed.Reason}");
            default:
                throw new NodeStartException($"unexpected answer to start: {answer}");
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A cluster member stops its services inside CoordinatedShutdown, after leaving the
        // cluster (see Cluster.ClusterLifetimeService): nothing is left to stop then.
        if (system.WhenTerminated.IsCompleted)
        {
            return;
        }

        IActorRef node;
        try
        {
            // The root is missing when the actor system itself failed to start: nothing to stop then.
            node = await root.GetAsync(cancellationToken).WaitAsync(RootLookupLimit, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _log.Warning("no service tree to stop");
            return;
        }
        _log.Info("shutting down");
        try
        {
            await node.Ask<ServiceStopped>(StopService.Instance, StopLimit, cancellationToken);
            _log.Info("all services stopped");
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            _log.Warning("the services did not all stop in time: {0}", e.Message);
        }
    }
}
