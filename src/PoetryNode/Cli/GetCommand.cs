using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using PoetryActors;
using PoetryActors.Configuration;
using PoetryActors.Deployment;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryNode.Get;
using PoetryNode.Hosting;
using Serilog.Events;

namespace PoetryNode.Cli;

/// <summary>
/// <c>poetry-node get [--xform ADDR] [--transform NAME] [OPTIONS] ADDR...</c>: the tutorial's
/// <c>get-poetry.py</c>. Downloads every poem at once (one downloader actor per address under an
/// aggregator), sends each through the transform server when one is given, and prints them in
/// request order once all are in (or as each arrives, or as one JSON document). The download
/// options have the names of the <c>poetry.download</c> HOCON keys. Exit code 0 when every poem
/// arrived, 1 when some failed (each failure on stderr), 2 for usage errors.
/// </summary>
internal static class GetCommand
{
    /// <summary>The <c>get</c> command.</summary>
    public static Command Create(DaemonOptions serve)
    {
        var addresses = new Argument<string[]>("ADDR")
        {
            Description = "where to fetch poems from: PORT (meaning 127.0.0.1) or HOST:PORT, one or more (or none, with --poem)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var xform = new Option<string?>("--xform")
        {
            Description = "send each poem through the transform server at this address (PORT or HOST:PORT) [default: poetry.download.xform, none]",
            HelpName = "[HOST:]PORT",
        };
        var transform = new Option<string?>("--transform")
        {
            Description = "the transform to ask the transform server for [default: poetry.download.transform, cummingsify]",
            HelpName = "NAME",
        };
        var asCompleted = new Option<bool>("--as-completed")
        {
            Description = "print each poem as soon as it arrives instead of all in request order at the end",
        };
        var json = new Option<bool>("--json")
        {
            Description = "write one JSON document with every address, outcome, byte count, timings and poem or error",
        };
        var connectTimeout = DurationOption("--connect-timeout", "how long one connection attempt may take", "connect-timeout");
        var idleTimeout = DurationOption("--idle-timeout", "how long a server may stay silent between two reads", "idle-timeout");
        var deadline = DurationOption("--deadline", "how long a whole download (and its transform) may take", "deadline");
        var maxBytes = new Option<string?>("--max-poem-bytes", "--max-bytes")
        {
            Description = $"the largest poem accepted, in bytes [default: {Reference("max-poem-bytes")}]",
            HelpName = "N",
        };
        var maxInFlight = new Option<string?>("--max-in-flight")
        {
            Description = "the most downloads in flight at once (one socket each); the others wait their turn "
                + $"[default: poetry.download.max-in-flight, 0: from this process's open-files limit, now {DownloadSettings.Default.MaxInFlight}]",
            HelpName = "N",
        };
        var config = new Option<string?>("--config")
        {
            Description = "a HOCON file whose poetry.download settings apply; the options above win over it",
            HelpName = "FILE",
        };
        var logLevel = new Option<string?>("--loglevel")
        {
            Description = "least severe level logged on stderr: debug, info, warning or error [default: warning]",
            HelpName = "LEVEL",
        };
        var noProgress = new Option<bool>("--no-progress")
        {
            Description = "no live progress display on stderr (there is none anyway when stderr is not a terminal)",
        };

        var command = new Command(
            "get",
            "Fetch poems from poem servers, in parallel, optionally through a transform server, and print them (logs go to stderr, at warning level unless --loglevel says otherwise).");
        command.Arguments.Add(addresses);
        foreach (var option in new Option[] { xform, transform, asCompleted, json, connectTimeout, idleTimeout, deadline, maxBytes, maxInFlight, config, noProgress, logLevel })
        {
            command.Options.Add(option);
        }

        var cluster = new Cluster.ClusterContacts();
        var poems = new Option<string[]>("--poem")
        {
            Description = "fetch the poem of this name (its file name without extension) from whichever cluster member serves it; needs --cluster (repeatable)",
            HelpName = "NAME",
            Arity = ArgumentArity.ZeroOrMore,
        };
        cluster.AddTo(command);
        command.Options.Add(poems);

        command.SetAction(async (result, _) =>
        {
            // The log level is get's own too; the daemon options are not (a client does not detach).
            if (serve.Misplaced(result, serve.LogLevel) is { Count: > 0 } misplaced)
            {
                return await CheckCommand.RefuseAsync("get", misplaced);
            }

            var problems = new List<string>();
            var targets = new List<NetAddress>();
            foreach (var text in result.GetValue(addresses) ?? [])
            {
                // The parser takes an unknown --option for an address; say what it is instead.
                if (text.StartsWith("--", StringComparison.Ordinal))
                {
                    problems.Add(CheckCommand.NotAnOption("get", text));
                }
                else if (NetAddress.TryParse(text, out var address, out var error))
                {
                    targets.Add(address);
                }
                else
                {
                    problems.Add(error);
                }
            }

            var contacts = cluster.Read(result, problems);
            var names = result.GetValue(poems) ?? [];
            var catalogTimeout = cluster.ReadTimeout(result, problems);
            if (names.Length > 0 && contacts.Count == 0 && problems.Count == 0)
            {
                problems.Add("--poem needs --cluster HOST:PORT (a cluster member's remoting address, such as 127.0.0.1:4053) or --cluster http://HOST:PORT (its status endpoint)");
            }

            if (names.Length == 0 && targets.Count == 0 && problems.Count == 0)
            {
                problems.Add("give at least one ADDR, or --poem NAME with --cluster HOST:PORT or http://HOST:PORT");
            }

            if (result.GetValue(json) && result.GetValue(asCompleted))
            {
                problems.Add("--json and --as-completed cannot be used together (the JSON document is written once, at the end)");
            }

            // Before the command (twistd's place for it) or after it.
            var levelText = result.GetValue(logLevel) ?? result.GetValue(serve.LogLevel) ?? "warning";
            if (!NodeLogging.TryParseLevel(levelText, out var level))
            {
                problems.Add($"--loglevel: unknown log level '{levelText}' (use debug, info, warning or error)");
            }

            var hocon = LoadConfig(result.GetValue(config), problems);
            var settings = hocon is null ? null : Settings(hocon, result.GetValue(config), problems, result, xform, transform, connectTimeout, idleTimeout, deadline, maxBytes, maxInFlight);

            if (problems.Count > 0 || settings is null)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync($"poetry-node get: {problem}");
                }

                await Console.Error.WriteLineAsync("Run 'poetry-node get --help' for usage.");
                return ExitCodes.Usage;
            }

            var mode = result.GetValue(json) ? OutputMode.Json : result.GetValue(asCompleted) ? OutputMode.AsCompleted : OutputMode.RequestOrder;
            // Names and addresses in the order given on the command line.
            Cluster.ClusterGet? clusterGet = contacts.Count == 0 ? null : new Cluster.ClusterGet(contacts, catalogTimeout,
                Cluster.ClusterTargets.InCommandLineOrder(result, poems, addresses, targets),
                TransformThroughCluster: result.GetValue(transform) is not null);
            var request = new GetRequest(clusterGet?.Placeholders ?? targets, settings, mode, ShowProgress: !result.GetValue(noProgress), level, hocon!)
            {
                Cluster = clusterGet,
                Labels = clusterGet?.Labels,
            };
            return await GetRun.RunAsync(request);
        });
        return command;
    }

    private static Option<string?> DurationOption(string name, string description, string key) => new(name)
    {
        Description = $"{description}, in seconds or with a unit (700ms, 2s, 1m) [default: {Reference(key)}]",
        HelpName = "SECONDS",
    };

    private static string Reference(string key) => PoetryConfig.Reference.GetString($"poetry.download.{key}");

    private static Config? LoadConfig(string? path, List<string> problems)
    {
        if (path is null)
        {
            return PoetryConfig.Reference;
        }

        try
        {
            // Read as a deployment file is: a regular file within the size limits, no include cycles.
            return DeploymentLoader.Default.ParseFile(path).WithFallback(PoetryConfig.Reference);
        }
        catch (DeploymentException e)
        {
            problems.AddRange(e.Errors.Select(error => $"--config: {error}"));
            return null;
        }
    }

    private static DownloadSettings? Settings(
        Config config,
        string? configFile,
        List<string> problems,
        ParseResult result,
        Option<string?> xform,
        Option<string?> transform,
        Option<string?> connectTimeout,
        Option<string?> idleTimeout,
        Option<string?> deadline,
        Option<string?> maxBytes,
        Option<string?> maxInFlight)
    {
        DownloadSettings settings;
        try
        {
            settings = DownloadSettings.Create(config);
        }
        catch (SettingsException e)
        {
            // file: poetry.download.idle-timeout: expected a duration such as 2s, got 'banana'
            problems.AddRange(e.Problems.Select(p => configFile is null ? p.ToString() : $"{configFile}: {p}"));
            return null;
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
        {
            problems.Add(e.Message);
            return null;
        }

        var limits = settings.Limits;
        var connect = Duration(result.GetValue(connectTimeout), "--connect-timeout", limits.ConnectTimeout, problems);
        var idle = Duration(result.GetValue(idleTimeout), "--idle-timeout", limits.IdleTimeout, problems);
        var overall = Duration(result.GetValue(deadline), "--deadline", limits.Deadline, problems);
        var largest = limits.MaxPoemBytes;
        if (result.GetValue(maxBytes) is { } text
            && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out largest) && largest >= 0))
        {
            problems.Add($"--max-poem-bytes: expected a whole number of bytes from 0 to {int.MaxValue} but got '{text}'");
        }

        if (result.GetValue(maxInFlight) is { } inFlightText)
        {
            if (int.TryParse(inFlightText, NumberStyles.None, CultureInfo.InvariantCulture, out var inFlight) && inFlight >= 1)
            {
                settings = settings with { MaxInFlight = inFlight };
            }
            else
            {
                problems.Add($"--max-in-flight: expected a whole number of downloads from 1 to {int.MaxValue} but got '{inFlightText}'");
            }
        }

        if (result.GetValue(xform) is { } server)
        {
            if (NetAddress.TryParse(server, out var address, out var error))
            {
                settings = settings with { TransformServer = address };
            }
            else
            {
                problems.Add($"--xform: {error}");
            }
        }

        if (result.GetValue(transform) is { } name)
        {
            try
            {
                settings = settings with { TransformName = name };
            }
            catch (ArgumentException e)
            {
                problems.Add($"--transform: {e.Message.Split(" (Parameter", 2)[0]}");
            }
        }

        return problems.Count > 0 ? null : settings with { Limits = new FetchLimits(connect, idle, overall, largest) };
    }

    private static TimeSpan Duration(string? text, string option, TimeSpan fallback, List<string> problems)
    {
        if (text is null)
        {
            return fallback;
        }

        if (OptionValueParser.TryParseDuration(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        problems.Add($"{option}: expected a positive duration such as 0.7, 700ms, 2s or 1m but got '{text}'");
        return fallback;
    }
}

/// <summary>How <c>get</c> prints what it fetched.</summary>
internal enum OutputMode
{
    /// <summary>Every poem in request order once all are done (the tutorial's exercise 4 for client 8).</summary>
    RequestOrder,

    /// <summary>Each poem as soon as it arrives (client 8's behaviour).</summary>
    AsCompleted,

    /// <summary>One JSON document at the end.</summary>
    Json,
}

/// <summary>A checked <c>get</c> command line.</summary>
internal sealed record GetRequest(
    IReadOnlyList<NetAddress> Addresses,
    DownloadSettings Settings,
    OutputMode Mode,
    bool ShowProgress,
    LogEventLevel LogLevel,
    Config Config)
{
    /// <summary>Poems by name from a cluster (<c>--cluster</c>, <c>--poem</c>), or null for plain addresses only.</summary>
    public Cluster.ClusterGet? Cluster { get; init; }

    /// <summary>What the live display names each download by (with --cluster, a poem's name); null: its address.</summary>
    public IReadOnlyList<string>? Labels { get; init; }
}
