using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// One cluster member on its own: a seed that is down does not stop it serving, a remoting port
/// in use ends the start with one line, a node without <c>poetry.cluster</c> opens no remoting
/// port, and bad cluster settings or flags are usage errors naming the key or the flag.
/// </summary>
public sealed class ClusterNodeSpecs
{
    private static TempDeployment Poem(string cluster = "") => new($$"""
        poetry.node.services = [ { name = ecstasy, kind = fastpoetry, poem = "{{Paths.Poem("ecstasy.txt")}}", port = 0, iface = 127.0.0.1 } ]
        {{cluster}}
        """);

    [Fact]
    public async Task A_seed_that_is_down_at_start_leaves_the_node_serving_and_trying_to_join()
    {
        using var file = Poem();
        using var seed = TcpProbe.ReservePort();
        await using var node = NodeProcess.Start(["--pidfile=", "run", file.Path, "--cluster-port", "0", "--seed", $"127.0.0.1:{seed.Port}"], file.Directory);

        var ports = await node.WaitForStartAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(File.ReadAllBytes(Paths.Poem("ecstasy.txt")), await TcpProbe.ReadPoemAsync(ports.Single()));
        // Akka says why every few seconds (seed-node-timeout), and the node keeps serving.
        await node.WaitForLineAsync(new("Couldn't join seed nodes after \\[\\d+\\] attempts"), TimeSpan.FromSeconds(40));
        Assert.False(node.HasExited);
        Assert.Equal(File.ReadAllBytes(Paths.Poem("ecstasy.txt")), await TcpProbe.ReadPoemAsync(ports.Single()));
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_remoting_port_in_use_ends_the_start_with_one_line_and_exit_code_1()
    {
        using var file = Poem();
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        var run = await CompletedRun.RunAsync(["--pidfile=", "run", file.Path, "--cluster-port", taken.ToString(), "--seed", $"127.0.0.1:{taken}"], TimeSpan.FromSeconds(60));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal([$"poetry-node: cannot bind the cluster port 127.0.0.1:{taken}: address already in use (another node there? give --cluster-port)"], run.StderrLines);
    }

    [Fact]
    public async Task A_node_without_a_cluster_section_opens_no_remoting_port()
    {
        using var file = Poem();
        await using var node = NodeProcess.Start(["--pidfile=", "run", file.Path], file.Directory);

        var ports = await node.WaitForStartAsync(TimeSpan.FromSeconds(60));

        Assert.Single(ports);
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("Remoting") || l.Contains("akka.tcp://"));
        Assert.Equal([ports.Single()], ListeningPorts(node.Pid));
    }

    [Fact]
    public async Task Bad_cluster_settings_and_flags_are_usage_errors_naming_the_key_or_the_flag()
    {
        using var file = Poem("""poetry.cluster { seed-nodes = ["4053"], port = 70000, colour = blue }""");

        var check = await CompletedRun.RunAsync("check", file.Path);
        Assert.Equal(2, check.ExitCode);
        Assert.Contains($"poetry-node: {file.Path}: poetry.cluster.seed-nodes[0]: '4053' is not HOST:PORT", check.StderrLines);
        Assert.Contains($"poetry-node: {file.Path}: poetry.cluster.port: expected a whole number from 0 to 65535 but got '70000'", check.StderrLines);
        Assert.Contains(check.StderrLines, l => l.StartsWith($"poetry-node: {file.Path}: poetry.cluster.colour: unknown key", StringComparison.Ordinal));

        var flags = await CompletedRun.RunAsync("--pidfile=", "fastpoetry", "--poem", Paths.Poem("ecstasy.txt"), "--port", "0", "--seed", "4053", "--cluster-port", "x");
        Assert.Equal(2, flags.ExitCode);
        Assert.Contains("poetry-node fastpoetry: --cluster-port: expected a port from 0 to 65535 but got 'x'", flags.StderrLines);
        Assert.Contains("poetry-node fastpoetry: --seed: '4053' is not HOST:PORT", flags.StderrLines);
    }

    [Fact]
    public async Task Catalog_and_get_by_name_without_an_answering_contact_exit_1_naming_every_address()
    {
        using var reservedA = TcpProbe.ReservePort();
        using var reservedB = TcpProbe.ReservePort();
        var (a, b) = (reservedA.Port, reservedB.Port);

        var catalog = await CompletedRun.RunAsync("catalog", "--cluster", $"127.0.0.1:{a}", "--cluster", $"127.0.0.1:{b}", "--timeout", "1s");
        Assert.Equal(1, catalog.ExitCode);
        Assert.Equal([$"poetry-node catalog: no contact point of the cluster answered within 1s (tried 127.0.0.1:{a}, 127.0.0.1:{b})"], catalog.StderrLines);

        var get = await CompletedRun.RunAsync("get", "--cluster", $"127.0.0.1:{a}", "--poem", "ecstasy", "--timeout", "1s");
        Assert.Equal(1, get.ExitCode);
        Assert.Contains($"poetry-node get: ecstasy: no contact point of the cluster answered within 1s (tried 127.0.0.1:{a})", get.StderrLines);

        var usage = await CompletedRun.RunAsync("get", "--poem", "ecstasy");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("poetry-node get: --poem needs --cluster HOST:PORT (a cluster member's remoting address, such as 127.0.0.1:4053) or --cluster http://HOST:PORT (its status endpoint)", usage.StderrLines);
    }

    /// <summary>The TCP ports <paramref name="pid"/> listens on, from its sockets' inodes in /proc/net/tcp and tcp6.</summary>
    private static IReadOnlyList<int> ListeningPorts(int pid)
    {
        var inodes = new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Select(f => f.LinkTarget ?? "")
            .Where(t => t.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(t => t[8..^1])
            .ToHashSet();
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(f => File.ReadLines(f).Skip(1))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
            .Select(f => Convert.ToInt32(f[1].Split(':')[1], 16))
            .Distinct().Order().ToList();
    }
}
