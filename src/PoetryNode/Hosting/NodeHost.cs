using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PoetryActors.Deployment;
using PoetryActors.Hosting;
using PoetryNode.Cli;
using Serilog;
using Serilog.Events;

namespace PoetryNode.Hosting;

/// <summary>
/// Runs a deployment in a Generic Host (our twistd's reactor): Akka.Hosting creates the actor
/// system with the deployment's settings, the node lifetime starts the services and, on SIGINT
/// or SIGTERM, stops them in reverse order before the actor system ends. A service that cannot
/// start ends the run with one line on stderr and exit code 1.
/// </summary>
public static class NodeHost
{
    // Longer than any orderly stop: each service's own stop is bounded by poetry.services.stop-timeout.
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(90);

    /// <summary>Runs <paramref name="deployment"/> until the host is told to stop; returns the exit code.</summary>
    public static async Task<int> RunAsync(NodeDeployment deployment, ServeSettings settings)
    {
        var levelText = settings.LogLevel ?? deployment.Config.GetString("akka.loglevel", "INFO");
        if (!NodeLogging.TryParseLevel(levelText, out var level))
        {
            await Console.Error.WriteLineAsync($"poetry-node: unknown log level '{levelText}' (use debug, info, warning or error)");
            return ExitCodes.Usage;
        }
        NodeLogging.Configure(level);

        try
        {
            using var host = Build(deployment, level);
            Log.ForContext("LogSource", "poetry-node").Information("running {Source}", deployment.Source);
            try
            {
                await host.StartAsync();
            }
            catch (Exception e)
            {
                // A refused start is expected (its message names the service and the reason);
                // anything else is a bug, logged in full, but the operator still gets one line.
                if (e is not NodeStartException)
                    Log.ForContext("LogSource", "poetry-node").Error(e, "the node failed to start");
                await host.StopAsync();
                await Log.CloseAndFlushAsync();
                await Console.Error.WriteLineAsync($"poetry-node: {(e is NodeStartException ? e.Message : "internal error: " + e.Message)}");
                return ExitCodes.Failure;
            }

            await host.WaitForShutdownAsync();
            Log.ForContext("LogSource", "poetry-node").Information("node stopped");
            return ExitCodes.Success;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static IHost Build(NodeDeployment deployment, LogEventLevel level)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "poetry-node",
            Args = [],
        });
        // Every line goes through Akka and Serilog; the host's own console chatter is not wanted.
        builder.Logging.ClearProviders();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownLimit);
        builder.Services.AddSystemd();
        builder.Services.AddAkka("poetry", (akka, _) =>
        {
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = NodeLogging.ToAkka(level);
                loggers.LogConfigOnStart = false;
                loggers.ClearLoggers();
                loggers.AddLogger<SerilogLogger>();
            });
            akka.WithPoetryNode(deployment);
            akka.WithPoetryDownloads();
            // The host owns SIGINT/SIGTERM: its stop stops the services in order, then the actor
            // system. Akka's own process-exit hook would race it.
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            // The command line's --loglevel wins over the deployment file's akka.loglevel.
            akka.AddHocon($"akka.loglevel = {NodeLogging.ToAkka(level).ToString().Replace("Level", "").ToUpperInvariant()}", HoconAddMode.Prepend);
        });
        builder.Services.AddPoetryNodeLifetime();
        return builder.Build();
    }
}
