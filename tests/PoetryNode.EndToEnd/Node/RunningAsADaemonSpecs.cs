using System.Diagnostics;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// twistd's habits, run for real: <c>--daemon</c> detaches and returns once the services are
/// bound; the pid file says who runs, refuses a second start, and goes at a clean exit;
/// <c>kill $(cat poetry-node.pid)</c> stops the node in order; the log file rolls over by size.
/// </summary>
public sealed class RunningAsADaemonSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");
    private static readonly string Science = Paths.Poem("science.txt");

    [Fact]
    public async Task A_daemon_returns_once_its_services_are_bound_and_kill_of_its_pid_file_stops_it_in_reverse_order()
    {
        using var file = new TempDeployment($$"""
            poetry.node.services = [
              { name = ecstasy, kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 }
              { name = science, kind = fastpoetry, poem = "{{Science}}", port = 0, iface = 127.0.0.1 }
            ]
            """);
        var (launcher, exitCode, daemon) = await DaemonNode.LaunchAsync(file.Directory, "run", file.Path);
        await using var launched = launcher;
        await using var cleanup = daemon;
        // Exit 0 is the ready path: the launcher did not wait out its limit (that path exits 1).
        Assert.True(exitCode == 0, launcher.Transcript);
        Assert.NotNull(daemon);
        Assert.Equal(
            $"poetry-node: running as a daemon, pid {daemon.Pid} (pid file {daemon.PidFile}; log {Path.Combine(file.Directory, "poetry-node.log")})",
            Assert.Single(launcher.StdoutLines));
        Assert.Empty(launcher.StderrLines);

        // The pid file names the daemon, which runs on in a session of its own, with no terminal.
        Assert.Equal($"{daemon.Pid}\n", await File.ReadAllTextAsync(daemon.PidFile));
        Assert.True(daemon.IsRunning);
        var stat = await File.ReadAllTextAsync($"/proc/{daemon.Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal(daemon.Pid.ToString(), fields[3]); // its own session
        Assert.Equal("0", fields[4]);                   // no controlling terminal
        Assert.All([0, 1, 2], fd => Assert.Equal("/dev/null", new FileInfo($"/proc/{daemon.Pid}/fd/{fd}").LinkTarget));

        // Bound before the launcher returned: the log already has both ports, without waiting.
        var ports = daemon.LogLines.Select(l => NodeProcess.ListeningOn().Match(l)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups["port"].Value)).ToList();
        Assert.Equal(2, ports.Count);
        Assert.Equal(await File.ReadAllBytesAsync(Ecstasy), await TcpProbe.ReadPoemAsync(ports[0]));
        Assert.Equal(await File.ReadAllBytesAsync(Science), await TcpProbe.ReadPoemAsync(ports[1]));

        // kill $(cat poetry-node.pid)
        Posix.Signal(int.Parse((await File.ReadAllTextAsync(daemon.PidFile)).Trim()), Posix.SigTerm);
        await daemon.WaitForExitAsync();

        Assert.False(File.Exists(daemon.PidFile));
        var log = daemon.LogLines;
        var stops = log.Select(l => Regex.Match(l, @"service (node/[\w/-]+) stopped")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(
            // One line per service, in reverse start order (a service's parts stop in order too,
            // said at debug level only), and no word from Akka's shutdown after the node's own.
            ["node/science", "node/ecstasy"],
            stops);
        Assert.DoesNotContain(log, l => l.Contains("ClrExitReason") || l.Contains("CoordinatedShutdown"));
        Assert.Contains(log, l => l.EndsWith("all services stopped"));
        Assert.Contains(log, l => l.EndsWith($"removed the pid file {daemon.PidFile}"));
        Assert.EndsWith("node stopped", log[^1]);
        Assert.False(TcpProbe.IsListening(ports[0]));
    }

    [Fact]
    public async Task A_daemon_that_cannot_start_prints_the_reason_and_exits_1_leaving_no_pid_file()
    {
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;
        using var folder = new TempDeployment("");

        var (launcher, exitCode, daemon) = await DaemonNode.LaunchAsync(folder.Directory,
            "fastpoetry", "--poem", Ecstasy, "--port", port.ToString(), "--iface", "127.0.0.1");
        await using var launched = launcher;
        await using var cleanup = daemon;

        Assert.Equal(1, exitCode);
        Assert.Null(daemon);
        Assert.Equal(
            [$"poetry-node: cannot start fastpoetry/listener: cannot listen on 127.0.0.1:{port}: address already in use"],
            launcher.StderrLines);
        Assert.False(File.Exists(Path.Combine(folder.Directory, "poetry-node.pid")));
        Assert.Contains(LogFiles.ReadLines(folder.Directory), l => l.Contains("the node could not start"));
    }

    [Fact]
    public async Task A_second_start_against_a_live_pid_file_is_refused_before_anything_is_bound()
    {
        using var folder = new TempDeployment("");
        await using var first = NodeProcess.Start(["--pidfile", "poetry-node.pid", "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"], folder.Directory);
        await first.WaitForStartAsync();
        var pidFile = Path.Combine(folder.Directory, "poetry-node.pid");
        await first.WaitForLineAsync(new Regex(@"wrote the pid file"));
        Assert.Equal($"{first.Pid}\n", await File.ReadAllTextAsync(pidFile));

        using var freeReserved = TcpProbe.ReservePort();
        var free = freeReserved.Port;
        var (launcher, exitCode, second) = await DaemonNode.LaunchAsync(folder.Directory,
            "fastpoetry", "--poem", Ecstasy, "--port", free.ToString(), "--iface", "127.0.0.1");
        await using var launched = launcher;
        await using var cleanup = second;

        Assert.Equal(1, exitCode);
        Assert.Null(second);
        Assert.Equal(
            [$"poetry-node: {pidFile} says poetry-node is already running as pid {first.Pid}; stop it first (kill {first.Pid}) or give another --pidfile"],
            launcher.StderrLines);
        Assert.False(TcpProbe.IsListening(free));
        Assert.Equal($"{first.Pid}\n", await File.ReadAllTextAsync(pidFile));
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task A_stale_pid_file_is_replaced_with_a_warning_and_removed_at_exit()
    {
        using var folder = new TempDeployment("");
        var pidFile = Path.Combine(folder.Directory, "poetry-node.pid");
        await File.WriteAllTextAsync(pidFile, $"{await DeadPidAsync()}\n");

        await using var node = NodeProcess.Start(["--pidfile", "poetry-node.pid", "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"], folder.Directory);
        await node.WaitForStartAsync();
        await node.WaitForLineAsync(new Regex(@"wrote the pid file"));

        Assert.Contains(node.StdoutLines, l => Regex.IsMatch(l, $@"\[WRN\] .*replacing the stale pid file {Regex.Escape(pidFile)}: no process \d+ is running$"));
        Assert.Equal($"{node.Pid}\n", await File.ReadAllTextAsync(pidFile));

        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.False(File.Exists(pidFile));
    }

    [Fact]
    public async Task A_small_rotation_limit_rolls_the_log_into_numbered_files_without_losing_a_line()
    {
        const int clients = 60;
        const int limit = 2000;
        using var folder = new TempDeployment("");
        await using var node = NodeProcess.Start(
            ["--logfile", "node.log", "--logfile-size", "2k", "--logfile-keep", "100",
             "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"],
            folder.Directory);
        var started = await LogFiles.WaitForLineAsync(folder.Directory, NodeProcess.ListeningOn(), name: "node.log");
        var port = int.Parse(started.Groups["port"].Value);

        var peers = new List<int>();
        for (var i = 0; i < clients; i++)
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            peers.Add(((System.Net.IPEndPoint)client.Client.LocalEndPoint!).Port);
            await client.GetStream().CopyToAsync(Stream.Null);
        }
        await WaitUntilAsync(() => LogFiles.ReadLines(folder.Directory, "node.log").Count(l => l.Contains("bytes of poetry to")) == clients);
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());

        // With --logfile the console stays quiet.
        Assert.Empty(node.StdoutLines);
        var files = LogFiles.InOrder(folder.Directory, "node.log");
        Assert.True(files.Count >= 3, $"expected the log to roll over at least twice: {string.Join(", ", files)}");
        Assert.Equal(["node.log", "node_001.log", "node_002.log"], files.Take(3).Select(Path.GetFileName));
        // A file is closed at the first line that takes it past the limit.
        Assert.All(files.SkipLast(1), f => Assert.InRange(new FileInfo(f).Length, limit, limit + 400));

        var lines = LogFiles.ReadLines(folder.Directory, "node.log");
        var served = lines.Select(l => Regex.Match(l, @"bytes of poetry to 127\.0\.0\.1:(\d+)$")).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(peers, served);
        Assert.Contains("running poetry-node fastpoetry", lines[0]);
        Assert.EndsWith("node stopped", lines[^1]);
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[\w{3}\] ", l));
    }

    [Fact]
    public async Task Only_the_configured_number_of_old_log_files_is_kept()
    {
        using var folder = new TempDeployment("");
        await using var node = NodeProcess.Start(
            ["--logfile", "node.log", "--logfile-size", "600", "--logfile-keep", "1", "--loglevel", "debug",
             "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"],
            folder.Directory);
        await LogFiles.WaitForLineAsync(folder.Directory, NodeProcess.NodeStarted(), name: "node.log");
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());

        var files = LogFiles.InOrder(folder.Directory, "node.log").Select(Path.GetFileName).ToList();
        Assert.Equal(2, files.Count);
        Assert.DoesNotContain("node.log", files);
        Assert.EndsWith("node stopped", LogFiles.ReadLines(folder.Directory, "node.log")[^1]);
    }

    // The pid of a process that has come and gone.
    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the condition did not come true in time");
            }

            await Task.Delay(50);
        }
    }
}
