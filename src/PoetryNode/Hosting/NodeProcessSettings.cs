using System.Globalization;
using PoetryActors.Deployment;
using PoetryActors.Instruments;
using PoetryNode.Cli;
using PoetryNode.Daemon;
using Serilog.Events;

namespace PoetryNode.Hosting;

/// <summary>Where the log goes: a file rolled over at <paramref name="SizeLimit"/> bytes keeping <paramref name="Keep"/> old ones, or stdout when <paramref name="File"/> is null.</summary>
internal sealed record LogTarget(string? File, long SizeLimit, int Keep)
{
    /// <summary>How the target is named to the operator.</summary>
    public override string ToString() => File ?? "stdout";
}

/// <summary>
/// The serving options, checked and resolved before anything starts: the log level, foreground
/// or daemon, the pid file, the log target, and the identity to drop to. Every problem is a
/// usage error, reported all at once.
/// </summary>
internal sealed record NodeProcessSettings(LogEventLevel Level, bool Daemon, PidFile? PidFile, LogTarget Log, PrivilegeDrop? Drop)
{
    /// <summary>The status endpoint: the deployment's <c>poetry.status</c>, with <c>--status-port</c> over its port.</summary>
    public StatusSettings Status { get; init; } = StatusSettings.Create();

    /// <summary>The default log file of a daemon, in the working directory (twistd's <c>twistd.log</c>).</summary>
    public const string DefaultDaemonLog = "poetry-node.log";

    /// <summary>The settings <paramref name="serve"/> asks for, or null after adding each problem to <paramref name="errors"/>.</summary>
    public static NodeProcessSettings? Resolve(DaemonOptionValues serve, NodeDeployment deployment, ICollection<string> errors)
    {
        var levelText = serve.LogLevel ?? deployment.Config.GetString("akka.loglevel", "INFO");
        if (!NodeLogging.TryParseLevel(levelText, out var level))
        {
            errors.Add($"unknown log level '{levelText}' (use debug, info, warning or error)");
        }

        var logFile = serve.LogFile ?? (serve.Daemon ? DefaultDaemonLog : "-");
        if (logFile.Length == 0)
        {
            errors.Add("--logfile: give a file, or '-' for stdout");
        }
        else if (logFile == "-" && serve.Daemon)
        {
            errors.Add("--logfile: a daemon has no console to log to; give a file");
        }

        if (!TryParseSize(serve.LogFileSize, out var size))
        {
            errors.Add($"--logfile-size: expected a size such as 1000000, 500k or 1m but got '{serve.LogFileSize}'");
        }

        if (serve.LogFileKeep is < 0 or > 10_000)
        {
            errors.Add($"--logfile-keep: expected a number from 0 to 10000 but got {serve.LogFileKeep}");
        }

        // Found out now, not once the ports are bound and the pid file is due.
        var pidFile = serve.PidFile.Length == 0 ? null : new PidFile(serve.PidFile);
        if (pidFile is not null && !Directory.Exists(Path.GetDirectoryName(pidFile.Path)))
        {
            errors.Add($"--pidfile: the folder {Path.GetDirectoryName(pidFile.Path)} does not exist");
        }

        var drop = PrivilegeDrop.Resolve(serve.User, serve.Group, errors);
        var status = ResolveStatus(serve.StatusPort, deployment, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        var log = new LogTarget(logFile == "-" ? null : Path.GetFullPath(logFile), size, serve.LogFileKeep);
        return new NodeProcessSettings(level, serve.Daemon, pidFile, log, drop) { Status = status! };
    }

    private static StatusSettings? ResolveStatus(string? port, NodeDeployment deployment, ICollection<string> errors)
    {
        // The deployment's poetry.status was checked when it was loaded.
        var settings = StatusSettings.Create(deployment.Config);
        if (port is null)
        {
            return settings;
        }

        if (StatusSettings.ParsePort(port) is not { } parsed)
        {
            errors.Add($"--status-port: expected a port (0 to 65535) or off but got '{port}'");
            return null;
        }
        return settings with { Port = parsed < 0 ? null : parsed };
    }

    /// <summary>Bytes, or a number with <c>k</c> (thousands) or <c>m</c> (millions), as twistd's 1000000-byte rotation.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        text = text.Trim().ToLowerInvariant();
        if (text.EndsWith('b'))
        {
            text = text[..^1];
        }

        var (digits, scale) = text.EndsWith('k') ? (text[..^1], 1_000L) : text.EndsWith('m') ? (text[..^1], 1_000_000L) : (text, 1L);
        bytes = 0;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > long.MaxValue / scale)
        {
            return false;
        }

        bytes = number * scale;
        return true;
    }
}
