using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PoetryActors.Hosting;
using PoetryNode.Cli;
using PoetryNode.Daemon;
using PoetryNode.Status;
using Serilog;

namespace PoetryNode.Hosting;

/// <summary>
/// Runs a deployment in a Generic Host (our twistd's reactor): Akka.Hosting creates the actor
/// system with the deployment's settings, the node lifetime starts the services and, on SIGINT
/// or SIGTERM, stops them in reverse order before the actor system ends. Around that, twistd's
/// process habits: the serving options are checked first (usage errors exit 2), <c>--daemon</c>
/// hands over to a detached copy of the process, a live pid file refuses the start, the pid file
/// is written and privileges dropped once the ports are bound, systemd is told, and SIGHUP
/// reloads. A service that cannot start ends the run with one line on stderr and exit code 1.
/// </summary>
internal static class NodeHost
{
    // At least this long, and longer than the deployment's orderly stop may take (its stop budget).
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(90);
    private const string ActorSystemName = "poetry";

    /// <summary>Runs the deployment of <paramref name="source"/> until the host is told to stop; returns the exit code.</summary>
    public static async Task<int> RunAsync(DeploymentSource source, DaemonOptionValues serve)
    {
        var errors = new List<string>();
        if (NodeProcessSettings.Resolve(serve, source.Initial, errors) is not { } settings)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"poetry-node: {error}");
            }

            return ExitCodes.Usage;
        }

        if (settings.Daemon && !DaemonChild.IsDaemon)
        {
            return await DaemonLauncher.LaunchAsync(settings.PidFile?.Path, settings.Log.ToString());
        }

        if (DaemonChild.IsDaemon)
        {
            DaemonChild.Detach();
        }

        string? staleWarning = null;
        if (settings.PidFile is { } pidFile)
        {
            switch (pidFile.Inspect())
            {
                case PidFileState.Live live:
                    await Console.Error.WriteLineAsync(
                        $"poetry-node: {pidFile.Path} says poetry-node is already running as pid {live.Pid}; stop it first (kill {live.Pid}) or give another --pidfile");
                    return ExitCodes.Failure;
                case PidFileState.Unreadable unreadable:
                    await Console.Error.WriteLineAsync($"poetry-node: cannot read the pid file {pidFile.Path}: {unreadable.Reason}");
                    return ExitCodes.Failure;
                case PidFileState.Stale stale:
                    staleWarning = $"replacing the stale pid file {pidFile.Path}: {stale.Reason}";
                    pidFile.Delete();
                    break;
            }
        }

        if (NodeLogging.CheckWritable(settings.Log) is { } logProblem)
        {
            await Console.Error.WriteLineAsync($"poetry-node: {logProblem}");
            return ExitCodes.Failure;
        }
        NodeLogging.Configure(settings.Level, settings.Log);
        var log = Log.ForContext("LogSource", "poetry-node");
        if (Cluster.ClusterNodeHosting.WhyPortTaken(source.Initial) is { } taken)
        {
            log.Error("the node could not start: {Reason}", taken);
            await Log.CloseAndFlushAsync();
            await Console.Error.WriteLineAsync($"poetry-node: {taken}");
            return ExitCodes.Failure;
        }

        try
        {
            using var host = Build(source, settings);
            log.Information("running {Source}", source.Initial.Source);
            if (staleWarning is not null)
            {
                log.Warning("{Warning}", staleWarning);
            }

            try
            {
                await host.StartAsync();
            }
            catch (OperationCanceledException) when (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
            {
                // SIGINT or SIGTERM while the services were starting: an orderly stop, not a failure.
                log.Information("stop requested while starting");
                await host.StopAsync();
                // Disposed first: the actor system's last words (at debug) come before this line.
                host.Dispose();
                log.Information("node stopped");
                return ExitCodes.Success;
            }
            catch (Exception e)
            {
                // A refused start is expected (its message names the service and the reason);
                // anything else is a bug, logged in full, but the operator still gets one line.
                var reason = e is NodeStartException ? e.Message
                    : Cluster.ClusterNodeHosting.WhyStartFailed(e, source.Initial) ?? "internal error: " + e.Message;
                if (e is NodeStartException || reason.StartsWith("cannot bind the cluster port", StringComparison.Ordinal))
                {
                    log.Error("the node could not start: {Reason}", reason);
                }
                else
                {
                    log.Error(e, "the node failed to start");
                }

                await host.StopAsync();
                await Log.CloseAndFlushAsync();
                await Console.Error.WriteLineAsync($"poetry-node: {reason}");
                return ExitCodes.Failure;
            }

            if (DaemonChild.IsDaemon)
            {
                DaemonChild.ReportReady();
            }
            // A SIGTERM or SIGINT that came before the host could take it: the orderly stop, now.
            if (StartupSignals.HandOverStop(host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication))
            {
                log.Information("stopping: a stop was requested while the node started");
            }

            log.Debug("start-up garbage collected: {Outcome}", StartupGarbage.Describe(StartupGarbage.Collect()));
            await host.WaitForShutdownAsync();
            if (Cluster.ClusterNodeHosting.Ended(host.Services) is { } ended)
            {
                log.Error("the node stopped: {Reason}", ended);
                await Log.CloseAndFlushAsync();
                await Console.Error.WriteLineAsync($"poetry-node: {ended}");
                return ExitCodes.Failure;
            }
            // Disposed first: the actor system's last words (at debug) come before this line.
            host.Dispose();
            log.Information("node stopped");
            return ExitCodes.Success;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static IHost Build(DeploymentSource source, NodeProcessSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "poetry-node",
            Args = [],
            // No appsettings.json or environment configuration: the deployment file is the
            // configuration. The defaults would also watch the working directory for changes to
            // appsettings.json, and a log file written there wakes that watcher on every write
            // (measured: 4% of the node's CPU under load with --logfile).
            DisableDefaults = true,
        });
        // Every line goes through Akka and Serilog; the host's own console chatter is not wanted.
        builder.Logging.ClearProviders();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        var stopBudget = source.Initial.StopBudget + TimeSpan.FromSeconds(10);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = stopBudget > ShutdownLimit ? stopBudget : ShutdownLimit);
        builder.Services.AddAkka(ActorSystemName, (akka, _) =>
        {
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = NodeLogging.ToAkka(settings.Level);
                loggers.LogConfigOnStart = false;
                loggers.ClearLoggers();
            });
            // No logger actor: the node's minimal logger takes each event on the thread that logs
            // and queues it for the log writer (NodeAkkaLogger), at the node's level.
            akka.AddHocon(NodeAkkaLogger.Hocon(NodeLogging.ToAkka(settings.Level)), HoconAddMode.Prepend);
            akka.WithPoetryNode(source.Initial);
            // An idle node's scheduler wakes 20 times a second instead of 100 (SchedulerTick).
            akka.AddHocon(SchedulerTick.Hocon, HoconAddMode.Append);
            Cluster.ClusterNodeHosting.AddTo(akka, source.Initial);
            akka.WithPoetryDownloads();
            akka.WithPoetryHealthChecks();
            // Akka's JSON serializer made when first used, not at start (an idle node never uses it).
            akka.AddHocon(LazyJsonSerializer.Hocon, HoconAddMode.Prepend);
            // The host owns SIGINT/SIGTERM: its stop stops the services in order, then the actor
            // system. Akka's own process-exit hook would race it.
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            // The command line's --loglevel wins over the deployment file's akka.loglevel.
            akka.AddHocon($"akka.loglevel = {NodeLogging.ToAkka(settings.Level).ToString().Replace("Level", "").ToUpperInvariant()}", HoconAddMode.Prepend);
        });
        // A single node's actor system without Akka's read of an app.config (5 MB of an idle
        // node); a cluster member's builders add serializers and extensions that only
        // Akka.Hosting's own factory can see.
        if (!source.Initial.JoinsCluster)
        {
            builder.Services.AddActorSystemWithoutAppConfig(ActorSystemName);
        }

        // Started in this order once the actor system runs; stopped in the reverse order. The
        // status endpoint comes first, so that /readyz says 503 while the services start.
        builder.Services.AddPoetryStatus(settings.Status);
        builder.Services.AddPoetryNodeLifetime();
        Cluster.ClusterNodeHosting.AddTo(builder.Services, source.Initial);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(source);
        builder.Services.AddHostedService<NodeProcessService>();
        builder.Services.AddHostedService<SystemdNotificationService>();
        builder.Services.AddHostedService<HangupReloadService>();
        return builder.Build();
    }
}
