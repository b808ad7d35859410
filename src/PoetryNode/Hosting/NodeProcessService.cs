using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Hosting;
using PoetryActors.Hosting;
using PoetryNode.Daemon;

namespace PoetryNode.Hosting;

/// <summary>
/// The process-level duties of a running node, once every service has started (so every port is
/// bound): write the pid file, then drop to <c>--user</c>/<c>--group</c> (handing the pid file and
/// the log file to that user first, so they stay writable), or warn that the node serves as root.
/// After the host has stopped everything, it removes the pid file. A pid file that cannot be
/// written, or an identity that cannot be taken, fails the start.
/// </summary>
internal sealed class NodeProcessService(NodeProcessSettings settings, ActorSystem system) : IHostedLifecycleService
{
    // Through Akka's logging while the actor system runs, so these lines fall in order with the services' own.
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "poetry-node");
    private bool _pidFileWritten;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (settings.PidFile is { } pidFile)
        {
            try
            {
                pidFile.Write(Environment.ProcessId);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NodeStartException($"cannot write the pid file {pidFile.Path}: {e.Message}");
            }
            _pidFileWritten = true;
            _log.Info("wrote the pid file {0} (pid {1})", pidFile.Path, Environment.ProcessId);
        }

        if (settings.Drop is { } drop)
        {
            DropPrivileges(drop);
        }
        else if (Libc.geteuid() == 0)
        {
            _log.Warning("running as root: give --user and --group to serve as an unprivileged user once the ports are bound");
        }

        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // The actor system is gone by now: straight to Serilog, after everything Akka logged.
        if (_pidFileWritten && settings.PidFile is { } pidFile)
        {
            var log = Serilog.Log.ForContext("LogSource", "poetry-node");
            if (pidFile.Remove(Environment.ProcessId) is { } problem)
            {
                log.Warning("{Problem}", problem);
            }
            else
            {
                log.Information("removed the pid file {Path}", pidFile.Path);
            }
        }
        return Task.CompletedTask;
    }

    private void DropPrivileges(PrivilegeDrop drop)
    {
        var files = NodeLogging.Files(settings.Log).ToList();
        if (settings.PidFile is { } pidFile)
        {
            files.Add(pidFile.Path);
        }

        foreach (var file in files)
        {
            if (drop.Chown(file) is { } problem)
            {
                _log.Warning(problem);
            }
        }

        try
        {
            drop.Apply();
        }
        catch (PrivilegeDropException e)
        {
            throw new NodeStartException($"cannot drop privileges: {e.Message}");
        }
        _log.Info("running as {0}", drop);

        // Removing the pid file and starting a new log file both need the folder, not just the
        // file. Said on stderr too (a daemon's launcher passes it on): once the log cannot roll
        // over, its own warning may be the first line lost.
        if (settings.PidFile is { } pid && !Writable(Path.GetDirectoryName(pid.Path)!))
        {
            Warn($"user {drop.User} cannot write to {Path.GetDirectoryName(pid.Path)}: the pid file will be emptied at exit, not removed");
        }

        if (settings.Log.File is { } log && !Writable(Path.GetDirectoryName(log)!))
        {
            Warn($"user {drop.User} cannot write to {Path.GetDirectoryName(log)}: the log cannot roll over to a new file, and stops at {settings.Log.SizeLimit} bytes");
        }
    }

    private void Warn(string warning)
    {
        _log.Warning(warning);
        Console.Error.WriteLine($"poetry-node: warning: {warning}");
    }

    // access(2) checks with the real ids, which are the new ones now.
    private static bool Writable(string folder) => Libc.access(folder, Libc.WriteAccess) == 0;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
