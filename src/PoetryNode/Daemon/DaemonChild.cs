namespace PoetryNode.Daemon;

/// <summary>
/// The daemon side of <c>--daemon</c>: a poetry-node started by <see cref="DaemonLauncher"/>,
/// recognised by an environment marker. It leaves the launcher's session at once (setsid: no
/// controlling terminal, so no terminal signal reaches it and SIGHUP only ever means "reload"),
/// reports failures on stderr and readiness on stdout, both pipes to the launcher, and once
/// ready moves its standard streams to /dev/null so the launcher and the shell are let go.
/// </summary>
internal static class DaemonChild
{
    /// <summary>The environment variable that marks the daemon process.</summary>
    public const string Marker = "POETRY_NODE_DAEMON_CHILD";

    /// <summary>The line the daemon writes on stdout when its services are bound.</summary>
    public const string ReadyLine = "poetry-node: daemon ready";

    /// <summary>Whether this process is the daemon started by a launcher.</summary>
    public static bool IsDaemon { get; } = Environment.GetEnvironmentVariable(Marker) == "1";

    /// <summary>Starts a new session with no controlling terminal.</summary>
    public static void Detach()
    {
        // Not inherited by anything the node might start itself.
        Environment.SetEnvironmentVariable(Marker, null);
        // The launcher's child is never a process-group leader, so this cannot fail with EPERM;
        // if it failed anyway the node would merely stay in the launcher's session.
        Libc.setsid();
    }

    /// <summary>Tells the launcher the node runs, then lets go of its pipes.</summary>
    public static void ReportReady()
    {
        Console.Out.WriteLine(ReadyLine);
        Console.Out.Flush();
        Console.Error.Flush();
        var devNull = Libc.open("/dev/null", Libc.OpenReadWrite);
        if (devNull < 0)
        {
            return;
        }

        for (var fd = 0; fd <= 2; fd++)
        {
            Libc.dup2(devNull, fd);
        }

        if (devNull > 2)
        {
            Libc.close(devNull);
        }
    }
}
