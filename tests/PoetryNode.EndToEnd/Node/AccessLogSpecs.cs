using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// The per-connection access log (<c>sending N bytes of poetry to PEER</c>) is written behind the
/// accept thread, in batches: whatever was still queued when the node is told to stop must reach
/// the log, every line once, in the order the connections were served.
/// </summary>
public sealed partial class AccessLogSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");
    private const int Clients = 8;
    private const int ConnectionsEach = 150;

    [Theory]
    [InlineData(Posix.SigTerm)]
    [InlineData(Posix.SigInt)]
    public async Task A_clean_stop_right_after_a_burst_loses_no_access_log_line_and_reorders_none_in_the_log_file(int signal)
    {
        using var folder = new TempDeployment("");
        await using var node = NodeProcess.Start(
            ["--logfile", "node.log", "--logfile-size", "100m",
             "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"],
            folder.Directory);
        var started = await LogFiles.WaitForLineAsync(folder.Directory, NodeProcess.ListeningOn(), name: "node.log");

        var served = await BurstAsync(int.Parse(started.Groups["port"].Value));
        // At once: the lines of the last connections are still on their way to the file.
        node.Signal(signal);
        Assert.Equal(0, await node.WaitForExitAsync());

        AssertEveryConnectionLoggedOnceInOrder(served, LogFiles.ReadLines(folder.Directory, "node.log"));
    }

    [Fact]
    public async Task A_clean_stop_right_after_a_burst_loses_no_access_log_line_and_reorders_none_on_redirected_stdout()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1");
        var ports = await node.WaitForStartAsync();

        var served = await BurstAsync(ports[0]);
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());

        AssertEveryConnectionLoggedOnceInOrder(served, node.StdoutLines);
    }

    [Fact]
    public async Task The_deployments_akka_loglevel_WARNING_leaves_the_access_log_out()
    {
        // At WARNING the node says nothing of its port: one is picked for it.
        var port = ClusterSeed.FreePort();
        using var file = new TempDeployment($$"""
            poetry.node.services = [ { name = ecstasy, kind = fastpoetry, poem = "{{Ecstasy}}", port = {{port}}, iface = 127.0.0.1 } ]
            akka.loglevel = WARNING
            """);
        await using var node = NodeProcess.Start("run", file.Path);

        var peer = await FetchWhenListeningAsync(port);
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());

        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("bytes of poetry", StringComparison.Ordinal));
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("[INF]", StringComparison.Ordinal) || l.Contains("[DBG]", StringComparison.Ordinal));
        Assert.True(peer > 0);
    }

    [Fact]
    public async Task The_command_line_level_wins_over_the_deployments_and_debug_shows_Akkas_debug_lines_in_order()
    {
        using var file = new TempDeployment($$"""
            poetry.node.services = [ { name = ecstasy, kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 } ]
            akka.loglevel = WARNING
            """);
        await using var node = NodeProcess.Start("run", file.Path, "--loglevel", "debug");
        var ports = await node.WaitForStartAsync();

        var peer = await FetchAsync(ports[0]);
        await node.WaitForLineAsync(new Regex($@"sending \d+ bytes of poetry to 127\.0\.0\.1:{peer}$"));
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());

        var lines = node.StdoutLines;
        // The services' own debug lines come in the order they were logged, before the info line that follows them.
        var starting = IndexOf(lines, "[DBG] [akka://poetry/user/node/ecstasy] starting node/ecstasy/listener");
        var listening = IndexOf(lines, "[INF] [akka://poetry/user/node/ecstasy/listener] listening on 127.0.0.1:");
        Assert.True(starting >= 0 && listening > starting, node.Transcript);
        Assert.EndsWith("node stopped", lines[^1]);
    }

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    // Fetches once the node listens on port (it says nothing of it at WARNING); returns the client's port.
    private static async Task<int> FetchWhenListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                return await FetchAsync(port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task A_quiet_node_writes_each_line_at_once_without_waiting_for_a_batch()
    {
        using var folder = new TempDeployment("");
        await using var node = NodeProcess.Start(
            ["--logfile", "node.log", "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"],
            folder.Directory);
        var started = await LogFiles.WaitForLineAsync(folder.Directory, NodeProcess.ListeningOn(), name: "node.log");

        var peer = await FetchAsync(int.Parse(started.Groups["port"].Value));
        // No more traffic, no stop: the line must still show up (the queue ran empty, so it was flushed).
        await LogFiles.WaitForLineAsync(folder.Directory, new Regex($@"sending \d+ bytes of poetry to 127\.0\.0\.1:{peer}$"),
            TimeSpan.FromSeconds(10), name: "node.log");
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    // Clients fetch at once, each one connection after another; returns each client's local ports in order.
    private static async Task<List<int>[]> BurstAsync(int port)
    {
        var clients = Enumerable.Range(0, Clients).Select(async _ =>
        {
            var ports = new List<int>(ConnectionsEach);
            for (var i = 0; i < ConnectionsEach; i++)
            {
                ports.Add(await FetchAsync(port));
            }

            return ports;
        });
        return await Task.WhenAll(clients);
    }

    private static async Task<int> FetchAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var local = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        await client.GetStream().CopyToAsync(Stream.Null);
        return local;
    }

    private static void AssertEveryConnectionLoggedOnceInOrder(List<int>[] served, IReadOnlyList<string> log)
    {
        var logged = log.Select(l => SentTo().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups["port"].Value)).ToList();
        Assert.Equal(Clients * ConnectionsEach, logged.Count);
        // A client's connections were served one after another, so its lines keep that order.
        // (Ephemeral ports may repeat across clients, so compare each client's ports as a subsequence.)
        var all = served.SelectMany(p => p).Order().ToList();
        Assert.Equal(all, logged.Order().ToList());
        foreach (var ports in served)
        {
            var next = 0;
            foreach (var p in logged)
            {
                if (next < ports.Count && p == ports[next])
                {
                    next++;
                }
            }

            Assert.True(next == ports.Count, $"a client's connections were logged out of order ({next} of {ports.Count} in order)");
        }
        Assert.EndsWith("node stopped", log[^1]);
    }

    [GeneratedRegex(@"sending \d+ bytes of poetry to 127\.0\.0\.1:(?<port>\d+)$")]
    private static partial Regex SentTo();
}
