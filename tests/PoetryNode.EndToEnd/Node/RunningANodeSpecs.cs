using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>The built poetry-node, run as a real process: serving, shutting down, refusing what is broken.</summary>
public sealed class RunningANodeSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");
    private static readonly string Science = Paths.Poem("science.txt");

    [Fact]
    public async Task A_deployment_serves_its_poems_and_SIGTERM_stops_the_services_in_reverse_order_with_exit_code_0()
    {
        using var file = new TempDeployment($$"""
            poetry.node.services = [
              { name = ecstasy, kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 }
              { name = science, kind = fastpoetry, poem = "{{Science}}", port = 0, iface = 127.0.0.1 }
            ]
            """);
        await using var node = NodeProcess.Start("run", file.Path);
        var ports = await node.WaitForStartAsync();
        Assert.Equal(2, ports.Count);

        Assert.Equal(await File.ReadAllBytesAsync(Ecstasy), await TcpProbe.ReadPoemAsync(ports[0]));
        Assert.Equal(await File.ReadAllBytesAsync(Science), await TcpProbe.ReadPoemAsync(ports[1]));
        await node.WaitForLineAsync(new Regex(@"sending \d+ bytes of poetry to 127\.0\.0\.1:\d+"));

        node.Signal(15);
        Assert.Equal(0, await node.WaitForExitAsync());

        var stops = node.StdoutLines.Select(l => Regex.Match(l, @"service (node/[\w/-]+) stopped")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(
            // One line per service, in reverse start order (a service's parts stop in order too,
            // said at debug level only), and no word from Akka's shutdown after the node's own.
            ["node/science", "node/ecstasy"],
            stops);
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("ClrExitReason") || l.Contains("CoordinatedShutdown"));
        Assert.Contains(node.StdoutLines, l => l.EndsWith("all services stopped"));
        Assert.False(TcpProbe.IsListening(ports[0]));
    }

    [Fact]
    public async Task SIGINT_stops_the_node_cleanly_too()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1");
        var ports = await node.WaitForStartAsync();
        Assert.Single(ports);
        node.Signal(2);
        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.Contains(node.StdoutLines, l => l.Contains("service node/fastpoetry stopped"));
    }

    [Fact]
    public async Task The_fastpoetry_command_serves_the_poem_byte_for_byte_and_logs_what_it_loaded()
    {
        var lorelei = Paths.Poem("lorelei.txt");
        await using var node = NodeProcess.Start("fastpoetry", "--poem", lorelei, "--port", "0", "--iface", "127.0.0.1");
        var ports = await node.WaitForStartAsync();
        Assert.Equal(await File.ReadAllBytesAsync(lorelei), await TcpProbe.ReadPoemAsync(ports[0]));
        Assert.Contains(node.StdoutLines, l => l.EndsWith($"loaded a poem from: {lorelei}"));
    }

    [Fact]
    public async Task A_broken_deployment_exits_non_zero_with_precise_messages_and_binds_nothing()
    {
        using var freeReserved = TcpProbe.ReservePort();
        var free = freeReserved.Port;
        using var file = new TempDeployment($$"""
            poetry.node.services = [
              { name = good, kind = fastpoetry, poem = "{{Ecstasy}}", port = {{free}}, iface = 127.0.0.1 }
              { name = bad, kind = fastpoem, port = 0 }
              { name = typo, kind = fastpoetry, poem = "{{Ecstasy}}", port = abc }
              { name = lost, kind = fastpoetry, poem = "no/such/poem.txt", port = 0 }
            ]
            """);
        await using var node = NodeProcess.Start("run", file.Path);

        Assert.Equal(2, await node.WaitForExitAsync());
        var errors = node.StderrLines;
        Assert.Contains($"poetry-node: {file.Path}: services[1] (bad): kind: unknown kind 'fastpoem' (known: {KnownKinds})", errors);
        Assert.Contains(errors, l => l.StartsWith($"poetry-node: {file.Path}: services[2] (typo): port: expected a port from 0 to 65535 but got 'abc'"));
        Assert.Contains($"poetry-node: {file.Path}: services[3] (lost): poem: file not found: no/such/poem.txt", errors);
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("listening on"));
        Assert.False(TcpProbe.IsListening(free));
    }

    [Fact]
    public async Task A_port_already_in_use_gives_one_line_on_stderr_and_exit_code_1()
    {
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;

        await using var node = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", port.ToString(), "--iface", "127.0.0.1");

        Assert.Equal(1, await node.WaitForExitAsync());
        var error = Assert.Single(node.StderrLines);
        Assert.Equal($"poetry-node: cannot start fastpoetry/listener: cannot listen on 127.0.0.1:{port}: address already in use", error);
    }

    [Fact]
    public async Task A_missing_poem_file_is_refused_before_anything_starts()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--poem", "missing.txt", "--port", "0");
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Equal(["poetry-node fastpoetry: --poem: file not found: missing.txt"], node.StderrLines);
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("listening on"));
    }

    [Fact]
    public async Task A_missing_deployment_file_is_reported_by_name()
    {
        await using var node = NodeProcess.Start("run", "/nonexistent/deployment.hocon");
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Equal(["poetry-node: /nonexistent/deployment.hocon: deployment file not found"], node.StderrLines);
    }

    [Fact]
    public async Task A_bad_option_is_a_usage_error_with_exit_code_2()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", "99999");
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Equal(["poetry-node fastpoetry: --port: expected a port from 0 to 65535 but got '99999'"], node.StderrLines);
    }

    [Fact]
    public async Task Fastpoetry_serves_an_optional_second_poem_on_a_second_port()
    {
        await using var node = NodeProcess.Start(
            "fastpoetry", "--poem", Ecstasy, "--port", "0", "--poem2", Science, "--port2", "0", "--iface", "127.0.0.1");
        var ports = await node.WaitForStartAsync();
        Assert.Equal(2, ports.Count);
        Assert.Equal(await File.ReadAllBytesAsync(Ecstasy), await TcpProbe.ReadPoemAsync(ports[0]));
        Assert.Equal(await File.ReadAllBytesAsync(Science), await TcpProbe.ReadPoemAsync(ports[1]));
        Assert.Contains(node.StdoutLines, l => l.Contains("[akka://poetry/user/node/fastpoetry/listener2] listening on 127.0.0.1:"));
    }

    [Fact]
    public async Task A_second_poem_without_a_second_port_is_a_usage_error()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--poem2", Science);
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Equal(["poetry-node fastpoetry: --port2: missing: poem2 needs a port2 to be served on"], node.StderrLines);
    }

    private const string KnownKinds = "fastpoetry, slowpoetry, transform, proxy";
}
