using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// What a new user meets in the first hour, as the tutorial's reader works: two foreground nodes
/// in one folder, a server that sends nothing, Ctrl+C during a fetch, options a command does not
/// take, the stop of a node and its log.
/// </summary>
public sealed partial class FirstHourSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");
    private static readonly string Ozymandias = Paths.Poem("ozymandias.txt");

    [Fact]
    public async Task Two_foreground_nodes_started_from_one_folder_both_run_and_neither_writes_a_pid_file()
    {
        var folder = Directory.CreateTempSubdirectory("poetry-node-e2e-").FullName;
        try
        {
            await using var poems = NodeProcess.Start(["fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"], folder);
            await using var transforms = NodeProcess.Start(["transform", "--port", "0", "--iface", "127.0.0.1"], folder);
            Assert.Single(await poems.WaitForStartAsync());
            Assert.Single(await transforms.WaitForStartAsync());

            Assert.Empty(Directory.GetFiles(folder, "*.pid"));
            Assert.DoesNotContain(poems.StdoutLines, l => l.Contains("pid file"));
            poems.Signal(2);
            transforms.Signal(2);
            Assert.Equal(0, await poems.WaitForExitAsync());
            Assert.Equal(0, await transforms.WaitForExitAsync());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Get_from_a_server_that_closes_without_a_byte_fails_with_the_reason_and_exits_1()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var closer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await silent.AcceptTcpClientAsync(stop.Token);
            }
        });

        var run = await CompletedRun.RunAsync("get", $"{port}");
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => closer);

        Assert.True(run.ExitCode == 1, run.Transcript);
        Assert.Empty(run.Stdout);
        Assert.Equal([$"poetry-node get: 127.0.0.1:{port}: read failed: the server closed without sending a poem"], run.StderrLines);
    }

    [Fact]
    public async Task Ctrl_C_during_get_prints_the_poems_that_arrived_in_request_order_reports_the_rest_as_interrupted_and_exits_130()
    {
        await using var slow = NodeProcess.Start("slowpoetry", "--poem", Ozymandias, "--port", "0", "--iface", "127.0.0.1", "--delay", "5");
        await using var fast = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1");
        var slowPort = (await slow.WaitForStartAsync()).Single();
        var fastPort = (await fast.WaitForStartAsync()).Single();

        // At debug level get says when each download settles: SIGINT once the fast poem is in.
        await using var get = NodeProcess.Start("get", "--loglevel", "debug", $"{slowPort}", $"{fastPort}");
        await get.WaitForErrorLineAsync("download-1 settled");
        get.Signal(2);

        Assert.Equal(130, await get.WaitForExitAsync());
        Assert.Equal(File.ReadAllLines(Ecstasy), get.StdoutLines);
        Assert.Contains($"poetry-node get: 127.0.0.1:{slowPort}: interrupted before the poem arrived", get.StderrLines);
        Assert.Contains("poetry-node get: interrupted: 1 of 2 downloads were still running and were cancelled", get.StderrLines);
    }

    [Theory]
    [InlineData("get", "--daemon", "get", "1")]
    [InlineData("get", "--pidfile", "x.pid", "get", "1")]
    [InlineData("check", "--logfile", "x.log", "check")]
    [InlineData("check", "--daemon", "check")]
    public async Task Get_and_check_refuse_the_daemon_options_given_before_them(string command, params string[] args)
    {
        var run = await CompletedRun.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Contains(run.StderrLines, l => l.StartsWith($"poetry-node {command}: {args[0]} is not an option of {command}"));
    }

    [Theory]
    [InlineData("get", "10000", "--daemon")]
    [InlineData("get", "10000", "--logfile", "x.log")]
    [InlineData("check", "--pidfile", "x.pid")]
    public async Task Get_and_check_do_not_accept_the_daemon_options_after_them_either(params string[] args)
    {
        var run = await CompletedRun.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Empty(run.Stdout);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("check")]
    public async Task The_help_of_get_and_check_lists_no_daemon_option(string command)
    {
        var run = await CompletedRun.RunAsync(command, "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var option in (string[])["--daemon", "--pidfile", "--logfile", "--user", "--group"])
        {
            Assert.DoesNotContain(option, run.StdoutText);
        }
    }

    [Fact]
    public async Task At_debug_level_every_line_of_a_node_has_one_format_and_its_stop_ends_with_the_node()
    {
        await using var node = NodeProcess.Start("--loglevel", "debug", "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1");
        await node.WaitForStartAsync();
        node.Signal(2);
        Assert.Equal(0, await node.WaitForExitAsync());

        Assert.All(node.StdoutLines, l => Assert.Matches(LogLine(), l));
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("ClrExitReason"));
        Assert.Single(node.StdoutLines, l => l.EndsWith("] service node/fastpoetry stopped"));
        Assert.EndsWith("node stopped", node.StdoutLines[^1]);
    }

    [Fact]
    public async Task The_root_help_shows_the_deployment_file_of_run_and_check_as_optional()
    {
        var run = await CompletedRun.RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("  run [FILE]  ", run.StdoutText);
        Assert.Contains("  check [FILE]  ", run.StdoutText);
        Assert.DoesNotContain("run <FILE>", run.StdoutText);
        Assert.Contains("default: poetry-node.pid with --daemon, else none", run.StdoutText);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[(DBG|INF|WRN|ERR)\] \[")]
    private static partial Regex LogLine();
}
