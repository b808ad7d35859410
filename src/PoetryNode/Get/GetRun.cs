using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Download;
using PoetryActors.Hosting;
using PoetryNode.Cli;
using PoetryNode.Hosting;
using Serilog;
using Serilog.Events;

namespace PoetryNode.Get;

/// <summary>
/// Carries out a checked <c>get</c>: a plain actor system (no Generic Host: a client starts fast
/// and exits as soon as the aggregator reports, the tutorial's <c>reactor.stop()</c>) with
/// <c>/user/downloads</c>, the downloads through <see cref="PoetryClient"/>, then the poems on stdout
/// exactly as received and every failure and transform warning on stderr, one line each. Logs go
/// to stderr (warnings and above unless <c>--loglevel</c> says otherwise), so stdout holds only
/// poems. SIGINT and SIGTERM cancel the downloads still running: what arrived is printed as
/// usual, the rest is reported as interrupted, and the exit code is 130.
/// </summary>
internal static class GetRun
{
    /// <summary>The exit code after SIGINT or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int InterruptedExit = 130;

    private static readonly TimeSpan TerminateLimit = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="request"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(GetRequest request)
    {
        // stdout holds only poems, written as raw bytes to the standard output stream; any text
        // written through Console.Out (Akka prints its shutdown at debug level there) goes to stderr.
        Console.SetOut(Console.Error);
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(request.LogLevel)
            // With --cluster, remoting's warnings about members it cannot reach (a killed one, say)
            // are the catalog's business; each poem's outcome already says what failed.
            .Filter.ByExcluding(e => request.Cluster is not null && e.Level < LogEventLevel.Error
                && e.Properties.TryGetValue("LogSource", out var source) && source.ToString().Contains("remot", StringComparison.OrdinalIgnoreCase))
            .WriteTo.Console(outputTemplate: NodeLogging.Template, standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();

        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            interrupt.Cancel();
        });

        // With --cluster the catalog's question starts first (over remoting, in an actor system of
        // its own; or over HTTP, with none), while this one (no remoting: a plain get's) starts beside it.
        await using var question = request.Cluster?.Ask(SystemConfig(request), request.Settings, interrupt.Token);
        var system = ActorSystem.Create("poetry-get", SystemConfig(request));
        try
        {
            return await FetchAndPrintAsync(request, system, PoetryDownloads.Create(system), question, interrupt.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            try
            {
                await system.Terminate().WaitAsync(TerminateLimit);
            }
            catch (TimeoutException)
            {
                // Nothing is left to wait for: every download has settled and was stopped.
            }

            await Log.CloseAndFlushAsync();
        }
    }

    private static async Task<int> FetchAndPrintAsync(GetRequest request, ActorSystem system, IActorRef downloads, Cluster.CatalogQuestion? question, CancellationToken interrupt)
    {
        var stdout = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
        var printer = new PoemPrinter(stdout);
        var asCompleted = request.Mode == OutputMode.AsCompleted;
        using var display = request.ShowProgress && ProgressDisplay.IsSupported ? new ProgressDisplay(request.Labels ?? request.Addresses.Select(a => a.ToString()).ToList(), Console.Error) : null;

        void Show(PoemOutcome outcome)
        {
            // As it arrives: out at once, not when the buffer fills.
            if (display is null)
            {
                Report(outcome, printer, stdout, flush: true, request.Cluster);
            }
            else
            {
                display.WriteAbove(() => Report(outcome, printer, stdout, flush: true, request.Cluster));
            }
        }

        // What has arrived so far, so that an interrupted request still prints it: one slot per
        // poem asked for (with --cluster, names and addresses in command-line order).
        var requested = request.Cluster?.Targets.Count ?? request.Addresses.Count;
        var arrived = new PoemOutcome?[requested];
        var interrupted = false;
        var settledLog = Log.ForContext("LogSource", "poetry-node get");
        var options = new DownloadOptions
        {
            Settings = request.Settings,
            OnProgress = display is null ? null : display.OnProgress,
            OnSettled = outcome =>
            {
                lock (arrived)
                {
                    // Once interrupted, what is printed is settled: a late arrival changes nothing.
                    if (interrupted)
                    {
                        return;
                    }

                    arrived[outcome.Index] = outcome;
                    // Checked first: the line's text is built here, and ten thousand of them cost.
                    if (settledLog.IsEnabled(LogEventLevel.Debug))
                    {
                        settledLog.Debug("download-{Index} settled: {Outcome}", outcome.Index, outcome.ToString());
                    }

                    display?.OnSettled(outcome);
                    if (asCompleted)
                    {
                        Show(outcome);
                    }
                }
            },
        };

        var clock = Stopwatch.StartNew();
        IReadOnlyList<PoemOutcome> outcomes;
        var exit = ExitCodes.Success;
        using var noCollections = NoCollectionsDuring.FetchOf(requested);
        try
        {
            outcomes = request.Cluster is { } cluster
                ? await cluster.FetchAsync(system, question!, options, interrupt)
                : await PoetryClient.AllSettledAsync(downloads, request.Addresses, options, interrupt);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            // Ctrl+C: what arrived is printed as usual (in request order), the rest is reported
            // as interrupted, and the exit code says so.
            lock (arrived)
            {
                interrupted = true;
                outcomes = arrived.Select((outcome, index) => outcome ?? Interrupted(index, AddressOf(request, index))).ToArray();
            }
            exit = InterruptedExit;
        }

        display?.Dispose();
        switch (request.Mode)
        {
            case OutputMode.RequestOrder:
                foreach (var outcome in outcomes)
                {
                    Report(outcome, printer, stdout, flush: false, request.Cluster);
                }

                break;
            case OutputMode.AsCompleted:
                // Each arrived poem was printed as it came; only the interrupted ones are left to say.
                foreach (var outcome in outcomes.Where(IsInterrupted))
                {
                    Warn(outcome, stdout, request.Cluster);
                }

                break;
            case OutputMode.Json:
                foreach (var outcome in outcomes)
                {
                    Warn(outcome, stdout, request.Cluster);
                }

                JsonReport.Write(stdout, outcomes, clock.Elapsed);
                break;
        }

        stdout.Flush();
        // The output is written inside the region too: ending it first would hand the collector a
        // heap of every download's garbage and every poem at once, for a process about to exit.
        noCollections.Dispose();
        if (exit == InterruptedExit)
        {
            await Console.Error.WriteLineAsync($"poetry-node get: interrupted: {outcomes.Count(IsInterrupted)} of {outcomes.Count} downloads were still running and were cancelled");
        }
        else if (!outcomes.All(o => o.Succeeded))
        {
            exit = ExitCodes.Failure;
        }

        return exit;
    }

    private static PoemOutcome Interrupted(int index, PoetryActors.Kinds.NetAddress address) =>
        new PoemOutcome.Failed(index, new DownloadFailed(address, DownloadStep.Downloader, FetchFailure.Interrupted, "interrupted before the poem arrived"));

    // The address a poem's outcome names: a poem asked for by name names the member asked.
    private static PoetryActors.Kinds.NetAddress AddressOf(GetRequest request, int index) => request.Cluster is { } cluster
        ? cluster.Targets[index] is PoetryActors.Cluster.ClusterPoetryClient.Target.At at ? at.Address : cluster.Contacts.Addresses[0]
        : request.Addresses[index];

    private static bool IsInterrupted(PoemOutcome outcome) => outcome is PoemOutcome.Failed { Failure.Failure: FetchFailure.Interrupted };

    /// <summary>A poem to stdout, or its failure to stderr; a failed transform warns first.</summary>
    private static void Report(PoemOutcome outcome, PoemPrinter printer, Stream stdout, bool flush, Cluster.ClusterGet? cluster)
    {
        Warn(outcome, stdout, cluster);
        if (outcome is PoemOutcome.Downloaded downloaded)
        {
            printer.Print(downloaded.Poem);
            if (flush)
            {
                printer.Flush();
            }
        }
    }

    /// <summary>The stderr line for a failed download or a failed transform, if any.</summary>
    private static void Warn(PoemOutcome outcome, Stream stdout, Cluster.ClusterGet? cluster)
    {
        var line = outcome switch
        {
            PoemOutcome.Failed failed when cluster?.FailureLine(failed) is { } named => named,
            PoemOutcome.Failed { Failure: { Failure: FetchFailure.Interrupted } failure } => $"poetry-node get: {failure.Address}: {failure.Detail}",
            PoemOutcome.Failed { Failure: var failure } => $"poetry-node get: {failure.Address}: {StepName(failure.Step)} failed: {failure.Detail}",
            PoemOutcome.Downloaded { Transform: { Succeeded: false } transform } =>
                $"poetry-node get: {outcome.Address}: {Capitalized(transform.Name)} failed! {transform.FailureReason}; the original poem is printed",
            _ => null,
        };
        if (line is null)
        {
            return;
        }
        // Keep the streams in order on a terminal: what went to stdout before comes first.
        stdout.Flush();
        Console.Error.WriteLine(line);
    }

    private static string StepName(DownloadStep step) => step switch
    {
        DownloadStep.Resolve => "resolve",
        DownloadStep.Connect => "connect",
        DownloadStep.Read => "read",
        _ => "download",
    };

    // The tutorial's client warned "Cummingsify failed!"; other transforms get the same shape.
    private static string Capitalized(string name) =>
        name.Length == 0 ? name : char.ToUpper(name[0], CultureInfo.InvariantCulture) + name[1..];

    private static Config SystemConfig(GetRequest request)
    {
        var level = NodeLogging.ToAkka(request.LogLevel).ToString().Replace("Level", "").ToUpperInvariant();
        var client = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = {{level}}
              # Akka's own console logger writes to stdout, which holds only poems.
              stdout-loglevel = OFF
              # The node's own Akka logger, on the thread that logs (Hosting/SerilogAkkaLogger.cs,
              # CallingThreadDispatcher.cs): Akka.Logger.Serilog's, on the thread pool, took
              # 20-25 ms of a one-poem get to load and answer its start (tests/benchmarks/run-client-bench.sh).
              loggers = ["{{typeof(SerilogAkkaLogger).AssemblyQualifiedName}}"]
              log-config-on-start = off
              log-dead-letters-during-shutdown = off
              # SIGINT and SIGTERM cancel the downloads; the command then ends the actor system itself.
              coordinated-shutdown.run-by-clr-shutdown-hook = off
              # get registers no shutdown tasks: its actor system ends at once, without walking
              # CoordinatedShutdown's dozen empty phases (about 15 ms of every get).
              coordinated-shutdown.run-by-actor-system-terminate = off
            }
            """);
        return client.WithFallback(ConfigurationFactory.ParseString(CallingThreadDispatcherConfigurator.Hocon)).WithFallback(request.Config);
    }
}
