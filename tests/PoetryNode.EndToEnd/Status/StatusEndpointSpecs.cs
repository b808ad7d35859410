using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Status;

/// <summary>A real node's status endpoint: health, readiness during and after start, metrics, poetry-node status, and its safety.</summary>
public sealed class StatusEndpointSpecs
{
    [Fact]
    public async Task Metrics_count_the_poems_fetched_and_status_prints_the_services_with_exit_code_0()
    {
        await using var node = await StatusNode.StartAsync(StatusNode.Deployment());
        var ports = await node.Process.WaitForStartAsync();
        await node.FetchPoemsAsync(ports[0], 3);

        var metrics = await node.Http.GetStringAsync("metrics");
        var served = Regex.Match(metrics, @"^poetry_poems_served_total\{[^}]*service=""ecstasy""[^}]*\} (?<n>\d+)$", RegexOptions.Multiline);
        Assert.True(served.Success, metrics);
        Assert.Equal("3", served.Groups["n"].Value);
        var bytes = Regex.Match(metrics, @"^poetry_poems_sent_bytes_total\{[^}]*service=""ecstasy""[^}]*\} (?<n>\d+)$", RegexOptions.Multiline);
        Assert.Equal((3 * new FileInfo(StatusNode.Ecstasy).Length).ToString(), bytes.Groups["n"].Value);
        Assert.Matches(@"(?m)^poetry_serve_duration_seconds_count\{[^}]*service=""ecstasy""[^}]*\} 3$", metrics);
        Assert.DoesNotMatch(@"(?m)^(?!#)(?!poetry_)(?!target_info)\w+", metrics);

        var status = await CompletedRun.RunAsync("status", "--url", node.Url);
        Assert.True(status.ExitCode == 0, status.Transcript);
        Assert.Matches(@"(?m)^ecstasy\s+fastpoetry\s+running\s+127\.0\.0\.1:\d+\s+3\s", status.StdoutText);
        Assert.Matches(@"(?m)^xform\s+transform\s+running\s+127\.0\.0\.1:\d+", status.StdoutText);
        Assert.Contains("check poetry-services: healthy", status.StdoutText);

        var json = await CompletedRun.RunAsync("status", "--url", node.Url, "--json");
        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.StdoutText);
        Assert.True(document.RootElement.GetProperty("ready").GetBoolean());
        Assert.Equal(["ecstasy", "xform"], document.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(3, document.RootElement.GetProperty("totals").GetProperty("poems").GetInt64());
    }

    [Fact]
    public async Task Readyz_answers_200_once_every_service_has_started_and_503_while_they_stop()
    {
        // A slow poem still being sent holds the stop for the drain time: the services are
        // stopping (and the status endpoint, which stops last, still answers) for that long.
        await using var node = await StatusNode.StartAsync($$"""
            poetry.node.services = [
              { name = slow, kind = slowpoetry, poem = "{{StatusNode.Ecstasy}}", port = 0, iface = 127.0.0.1, num-bytes = 10, delay = 1 }
            ]
            poetry.status { port = 0, iface = 127.0.0.1 }
            poetry.listener.drain-timeout = 6s
            """);
        var ports = await node.Process.WaitForStartAsync();
        using (var ready = await node.Http.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var readyStatus = await CompletedRun.RunAsync("status", "--url", node.Url);
        Assert.True(readyStatus.ExitCode == 0, readyStatus.Transcript);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, ports[0]);
        Assert.True(await client.ReceiveAsync(new byte[10], SocketFlags.None) > 0);
        node.Process.Signal(15);

        string? notReadyBody = null;
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(20));
        while (notReadyBody is null && DateTime.UtcNow < deadline)
        {
            using var answer = await node.Http.GetAsync("readyz");
            if (answer.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                notReadyBody = await answer.Content.ReadAsStringAsync();
            }
            else
            {
                await Task.Delay(50);
            }
        }
        Assert.True(notReadyBody is not null, "readyz never answered 503 while the services stopped\n" + node.Process.Transcript);
        Assert.Contains("\"failed\":[\"poetry-services\"]", notReadyBody);
        Assert.Equal(0, await node.Process.WaitForExitAsync());
    }

    [Fact]
    public async Task It_serves_only_GET_and_known_paths_and_binds_only_its_interface()
    {
        await using var node = await StatusNode.StartAsync(StatusNode.Deployment());
        await node.Process.WaitForStartAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("no/such/page?x=<script>")).StatusCode);
        var notFound = await (await node.Http.GetAsync("echo?<b>bold</b>")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<b>", notFound);
        Assert.DoesNotContain("echo", notFound);
        using var post = await node.Http.PostAsync("metrics", new StringContent("x"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Contains("GET", post.Content.Headers.Allow);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await node.Http.DeleteAsync("")).StatusCode);
        using var page = await node.Http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        // 127.0.0.2 is the loopback interface too, but not the address the endpoint was told to bind.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => other.ConnectAsync(IPAddress.Parse("127.0.0.2"), node.StatusPort));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_status_port_in_use_refuses_the_start_with_one_line_and_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var file = new TempDeployment(StatusNode.Deployment().Replace("poetry.status { port = 0", $"poetry.status {{ port = {port}"));

        var run = await CompletedRun.RunAsync("run", file.Path, "--pidfile=");

        Assert.True(run.ExitCode == 1, run.Transcript);
        Assert.Equal([$"poetry-node: cannot serve the status endpoint on 127.0.0.1:{port}: address already in use"], run.StderrLines);
    }

    [Fact]
    public async Task Status_exits_2_when_nothing_answers_and_says_where_it_asked()
    {
        using var refusing = StatusNode.RefusingPort(out var port);

        var run = await CompletedRun.RunAsync("status", "--url", $"http://127.0.0.1:{port}");

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Equal([$"poetry-node status: http://127.0.0.1:{port}/status.json: connection refused (is the node running with a status port?)"], run.StderrLines);
        Assert.Empty(run.StdoutText);
    }

    [Fact]
    public async Task A_bad_status_port_on_the_command_line_is_a_usage_error()
    {
        using var file = new TempDeployment(StatusNode.Deployment());
        var run = await CompletedRun.RunAsync("run", file.Path, "--pidfile=", "--status-port", "http");
        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Contains("poetry-node: --status-port: expected a port (0 to 65535) or off but got 'http'", run.StderrLines);
    }
}
