using System.CommandLine;

namespace PoetryNode.Cli;

/// <summary>
/// The options every serving command takes (<c>run</c> and each service kind): twistd's own
/// options, given before the command as with twistd (<c>poetry-node --daemon fastpoetry --port
/// 10000 ...</c>), or after it. The log level; foreground or daemon; the pid file; the log file
/// and its rotation; the user and group to run as once the ports are bound. Only the serving
/// commands list and accept them (and <c>get</c> its log level): <see cref="Misplaced"/> finds
/// those given before a command that does not honour them.
/// </summary>
internal sealed class DaemonOptions
{
    /// <summary>The pid file's default name, in the working directory (twistd's <c>twistd.pid</c>).</summary>
    public const string DefaultPidFile = "poetry-node.pid";

    /// <summary>--loglevel: the least severe log level written.</summary>
    public Option<string?> LogLevel { get; } = new("--loglevel")
    {
        Description = "least severe level logged: debug, info, warning or error (default: the deployment's akka.loglevel, else info)",
        HelpName = "LEVEL",
    };

    /// <summary>--daemon: detach once the services are bound.</summary>
    public Option<bool> Daemon { get; } = new("--daemon")
    {
        Description = "detach from the terminal once the services are bound (or say why they could not start); logs go to the log file. Default: the foreground",
    };

    /// <summary>--pidfile: where the node's pid is written once it runs.</summary>
    public Option<string?> PidFile { get; } = new("--pidfile")
    {
        // No pid file in the foreground unless asked: two foreground nodes in one folder (the
        // tutorial's two terminals) must not refuse each other, and systemd and containers want none.
        Description = $"write the node's pid here once it runs (removed at exit; one naming a running node refuses the start); '' for none (default: {DefaultPidFile} with --daemon, else none)",
        HelpName = "PATH",
    };

    /// <summary>--logfile: where the log goes.</summary>
    public Option<string?> LogFile { get; } = new("--logfile")
    {
        Description = "log to this file, rotated by size; '-' for stdout (default: poetry-node.log with --daemon, else the console)",
        HelpName = "PATH",
    };

    /// <summary>--logfile-size: the size at which the log file rolls over.</summary>
    public Option<string> LogFileSize { get; } = new("--logfile-size")
    {
        Description = "roll over to a new log file at this size: bytes, or with k (1000) or m (1000000)",
        HelpName = "SIZE",
        DefaultValueFactory = _ => "1m",
    };

    /// <summary>--logfile-keep: how many rolled-over log files are kept.</summary>
    public Option<int> LogFileKeep { get; } = new("--logfile-keep")
    {
        Description = "how many old log files to keep beside the current one",
        HelpName = "N",
        DefaultValueFactory = _ => 5,
    };

    /// <summary>--user: the user to run as once the ports are bound.</summary>
    public Option<string?> User { get; } = new("--user")
    {
        Description = "once every port is bound, run as this user (name or uid; needs root)",
        HelpName = "USER",
    };

    /// <summary>--group: the group to run as once the ports are bound.</summary>
    public Option<string?> Group { get; } = new("--group")
    {
        Description = "once every port is bound, run as this group (name or gid; default: the user's group); no supplementary groups",
        HelpName = "GROUP",
    };

    /// <summary>--status-port: serve the HTTP status endpoint on this port.</summary>
    public Option<string?> StatusPort { get; } = new("--status-port")
    {
        Description = "serve the status endpoint (/, /healthz, /readyz, /metrics) on this port of poetry.status.iface (localhost); 0 for any free port, off for none (default: the deployment's poetry.status.port)",
        HelpName = "PORT",
    };

    /// <summary>Every one of them, in the order help lists them.</summary>
    public IReadOnlyList<Option> All => [Daemon, PidFile, LogFile, LogFileSize, LogFileKeep, User, Group, LogLevel, StatusPort];

    /// <summary>
    /// Adds the options to <paramref name="command"/>: the root (for twistd's order, before the
    /// command) and each serving command (after it).
    /// </summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The serving options given on <paramref name="result"/>'s command line (before the command)
    /// that the command does not honour, other than <paramref name="honoured"/>.
    /// </summary>
    public IReadOnlyList<string> Misplaced(ParseResult result, params Option[] honoured) =>
        All.Where(o => !honoured.Contains(o) && result.GetResult(o) is { Implicit: false })
            .Select(o => o.Name)
            .ToList();

    /// <summary>The values given on this command line.</summary>
    public DaemonOptionValues Read(ParseResult result) => new(
        result.GetValue(LogLevel),
        result.GetValue(Daemon),
        result.GetValue(PidFile) ?? (result.GetValue(Daemon) ? DefaultPidFile : ""),
        result.GetValue(LogFile),
        result.GetValue(LogFileSize) ?? "1m",
        result.GetValue(LogFileKeep),
        result.GetValue(User),
        result.GetValue(Group))
    {
        StatusPort = result.GetValue(StatusPort),
    };
}

/// <summary>
/// The serving options' values, as given (checked by <see cref="Hosting.NodeProcessSettings"/>);
/// an empty <paramref name="PidFile"/> means none.
/// </summary>
internal sealed record DaemonOptionValues(
    string? LogLevel,
    bool Daemon = false,
    string PidFile = "",
    string? LogFile = null,
    string LogFileSize = "1m",
    int LogFileKeep = 5,
    string? User = null,
    string? Group = null)
{
    /// <summary>--status-port as given: a port, 0, or off; null to keep the deployment's.</summary>
    public string? StatusPort { get; init; }
}
