using System.CommandLine;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryNode.Cli;
using PoetryNode.Hosting;
using Serilog;
using Serilog.Events;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryNode.Cluster;

/// <summary>
/// <c>poetry-node catalog --cluster HOST:PORT [--cluster HOST:PORT ...] [--json] [--timeout 5s] [--watch [--interval 1s]]</c>:
/// asks a running cluster, from outside and without joining it, for its catalog (through Akka's
/// cluster client and the members' receptionists; or, given <c>--cluster http://HOST:PORT</c>,
/// a member's status endpoint's <c>/catalog.json</c>, with no remoting) and prints the members, then one row per
/// service of the members that are Up and reachable; <c>--json</c> prints one document instead;
/// <c>--watch</c> prints each change as a line until Ctrl+C (<see cref="CatalogWatchOutput"/>).
/// Exit code 0; 1 when no contact point answers in time (one line naming every address tried);
/// 2 for a usage error.
/// </summary>
internal static class CatalogCommand
{
    /// <summary>The <c>catalog</c> command.</summary>
    public static Command Create(DaemonOptions serve)
    {
        var contacts = new ClusterContacts();
        var json = new Option<bool>("--json")
        {
            Description = "print one JSON document: {\"members\":[{address,roles,status}],\"services\":[{node,name,kind,endpoint,poem,bytes,sha256}]}",
        };
        var watch = new Option<bool>("--watch")
        {
            Description = "keep asking and print each change as it happens (member up, unreachable, removed; service added, removed, changed), one line each, until Ctrl+C",
        };
        var interval = new Option<string?>("--interval")
        {
            Description = "with --watch: how often to ask, in seconds or with a unit (500ms, 2s) [default: 1s]",
            HelpName = "SECONDS",
        };
        var command = new Command("catalog", "Show a running cluster's members and the services they publish (asks a member; does not join).");
        contacts.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(watch);
        command.Options.Add(interval);
        command.SetAction(async (result, cancellation) =>
        {
            var problems = new List<string>();
            var addresses = contacts.Read(result, problems);
            if (addresses.Count == 0 && problems.Count == 0)
            {
                problems.Add("--cluster is required: a member's remoting address HOST:PORT (such as 127.0.0.1:4053) or its status endpoint http://HOST:PORT");
            }

            if (addresses.OverHttp && result.GetValue(watch))
            {
                problems.Add("--watch follows the cluster through the cluster client: give members' remoting addresses (HOST:PORT), not status endpoints");
            }

            var timeout = contacts.ReadTimeout(result, problems);
            var levelText = result.GetValue(serve.LogLevel) ?? "error";
            if (!NodeLogging.TryParseLevel(levelText, out var level))
            {
                problems.Add($"--loglevel: unknown log level '{levelText}' (use debug, info, warning or error)");
            }

            var every = CatalogWatchOutput.ReadInterval(result.GetValue(interval), result.GetValue(watch), problems);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync($"poetry-node catalog: {problem}");
                }

                await Console.Error.WriteLineAsync("Run 'poetry-node catalog --help' for usage.");
                return ExitCodes.Usage;
            }

            if (result.GetValue(watch))
            {
                return await ClientSystem.RunAsync(addresses.Remoting, level,
                    system => CatalogWatchOutput.RunAsync(system, addresses.Remoting, every, timeout, result.GetValue(json), cancellation));
            }

            // Status endpoints answer over HTTP, with no actor system; remoting addresses through the cluster client.
            var answer = addresses.OverHttp
                ? await HttpCatalogClient.AskAsync(addresses.StatusEndpoints, timeout, cancellation)
                : await ClientSystem.RunAsync(addresses.Remoting, level, system => CatalogClient.QueryAsync(system, addresses.Remoting, timeout));
            switch (answer)
            {
                case CatalogClient.Answer.Answered answered:
                    var stdout = Console.OpenStandardOutput();
                    if (result.GetValue(json))
                    {
                        CatalogJson.Write(stdout, answered.Catalog);
                    }
                    else
                    {
                        WriteTable(Console.Out, answered.Catalog);
                    }

                    return ExitCodes.Success;
                case CatalogClient.Answer.NoAnswer none:
                    await Console.Error.WriteLineAsync($"poetry-node catalog: {none.Reason}");
                    return ExitCodes.Failure;
                default:
                    throw new InvalidOperationException($"unexpected answer {answer}");
            }
        });
        return command;
    }

    /// <summary>The members, then the services, as aligned columns.</summary>
    public static void WriteTable(TextWriter output, CurrentCatalog catalog)
    {
        output.WriteLine($"members ({catalog.Members.Count}, asked {ClusterContacts.Short(catalog.Answerer)}):");
        WriteColumns(output, ["ADDRESS", "STATUS", "ROLES"],
            catalog.Members.Select(m => new[] { ClusterContacts.Short(m.Address), m.Status, m.Roles.Count == 0 ? "-" : string.Join(",", m.Roles) }));
        output.WriteLine();
        output.WriteLine($"services ({catalog.Services.Count}):");
        WriteColumns(output, ["NODE", "NAME", "KIND", "ENDPOINT", "POEM", "BYTES"],
            catalog.Services.Select(s => new[] { ClusterContacts.Short(s.Node), s.Name, s.Kind, s.Endpoint, s.Poem ?? "-", s.Bytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-" }));
        output.Flush();
    }

    private static void WriteColumns(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = new[] { header }.Concat(rows).ToList();
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine("  " + string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}

/// <summary>
/// The short-lived actor system of a command that asks a cluster from outside (<c>catalog</c>,
/// <c>get --cluster</c>): remoting on an ephemeral port, our serializer, logs to stderr through
/// Serilog (stdout holds only the command's output), terminated when the work is done.
/// </summary>
internal static class ClientSystem
{
    private static readonly TimeSpan TerminateLimit = TimeSpan.FromSeconds(5);

    /// <summary>The configuration of such a system, on top of <paramref name="fallback"/>.</summary>
    public static Config ConfigFor(IReadOnlyList<PoetryActors.Kinds.NetAddress> contacts, LogEventLevel level, Config? fallback = null)
    {
        var akkaLevel = NodeLogging.ToAkka(level).ToString().Replace("Level", "").ToUpperInvariant();
        var logging = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = {{akkaLevel}}
              stdout-loglevel = OFF
              loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
              log-config-on-start = off
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
            }
            """);
        var config = logging.WithFallback(CatalogClient.Config(ClusterContacts.ClientHostname(contacts)));
        return fallback is null ? config : config.WithFallback(fallback);
    }

    /// <summary>Runs <paramref name="work"/> in a fresh client system and terminates it.</summary>
    public static async Task<T> RunAsync<T>(IReadOnlyList<PoetryActors.Kinds.NetAddress> contacts, LogEventLevel level, Func<ActorSystem, Task<T>> work)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: NodeLogging.Template, standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
        var system = ActorSystem.Create(ClientDepartures.CatalogSystemName, ConfigFor(contacts, level));
        try
        {
            return await work(system);
        }
        finally
        {
            await system.Terminate().WaitAsync(TerminateLimit).ContinueWith(_ => { });
            await Log.CloseAndFlushAsync();
        }
    }
}
