using System.Security.Cryptography;
using PoetryNode.EndToEnd.Status;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// <c>get --cluster http://HOST:PORT</c> and <c>catalog --cluster http://HOST:PORT</c>: the cluster
/// looked up through a member's status endpoint (<c>/catalog.json</c>), with no remoting in the
/// client. Against the three real members of <c>hocon/cluster/</c> (their status ports made 0 and
/// read back from their logs), a node that is no cluster member, and fakes that answer what a
/// member never would: each a one-line error and exit 1, never a hang.
/// </summary>
public sealed class HttpLookupSpecs
{
    private const string Member = "akka.tcp://poetry@127.0.0.1:1";

    [Fact]
    public async Task Through_a_members_status_endpoint_catalog_prints_what_the_cluster_client_gets_and_get_fetches_by_name()
    {
        await using var cluster = await ThreeNodes.StartAsync();
        var status = new string[3];
        for (var i = 0; i < 3; i++)
        {
            var line = await cluster.Nodes[i].WaitForLineAsync(StatusNode.StatusPageOn(), TimeSpan.FromSeconds(60));
            status[i] = $"http://127.0.0.1:{line.Groups["port"].Value}";
        }

        await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => p.SequenceEqual(ThreeNodes.AllPoems), "every poem");
        // The same document, and the same table, as through the cluster client and receptionist.
        await SameAnswerAsync(["catalog", "--cluster", status[0], "--json"], ["catalog", "--cluster", cluster.Contact(0), "--json"]);
        await SameAnswerAsync(["catalog", "--cluster", status[0]], ["catalog", "--cluster", cluster.Contact(0)]);

        for (var member = 0; member < 3; member++)
        {
            var run = await CompletedRun.RunAsync(["get", "--cluster", status[member], "--poem", "ecstasy", "--poem", "pushkin", "--poem", "ozymandias"], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.Transcript);
            Assert.Equal(string.Join("\n", new[] { "ecstasy", "pushkin", "ozymandias" }.Select(p => File.ReadAllText(Paths.Poem(p + ".txt")))), run.StdoutText);
        }

        var unknown = await CompletedRun.RunAsync(["get", "--cluster", status[1], "--poem", "lorelei", "--poem", "nosuchpoem"], TimeSpan.FromSeconds(60));
        Assert.True(unknown.ExitCode == 1, unknown.Transcript);
        Assert.Equal(File.ReadAllText(Paths.Poem("lorelei.txt")), unknown.StdoutText);
        Assert.Contains("poetry-node get: nosuchpoem: no node of the cluster serves a poem named 'nosuchpoem'", unknown.StderrLines);

        // Several contact points: one that refuses does not stand in the way of one that answers.
        using var closed = TcpProbe.ReservePort();
        var either = await CompletedRun.RunAsync(["get", "--cluster", $"http://127.0.0.1:{closed.Port}", "--cluster", status[2], "--poem", "science"], TimeSpan.FromSeconds(60));
        Assert.True(either.ExitCode == 0, either.Transcript);
        Assert.Equal(File.ReadAllText(Paths.Poem("science.txt")), either.StdoutText);

        // A transform through the cluster still reaches the transform member (remoting starts for it alone).
        var shouted = await CompletedRun.RunAsync(["get", "--cluster", status[0], "--poem", "science", "--transform", "shout"], TimeSpan.FromSeconds(60));
        Assert.True(shouted.ExitCode == 0, shouted.Transcript);
        Assert.Equal(File.ReadAllText(Paths.Poem("science.txt")).ToUpperInvariant(), shouted.StdoutText);

        // Clients that asked over remoting come and go without the members logging an error: often
        // the member sees such a client's goodbye, sometimes only its closed connection (then Akka
        // logs "Disassociated" as an error and the address as gated), so several are run.
        for (var i = 0; i < 4; i++)
        {
            var overRemoting = await CompletedRun.RunAsync(["get", "--cluster", cluster.Contact(0), "--poem", "ecstasy", "--poem", "lorelei"], TimeSpan.FromSeconds(60));
            Assert.True(overRemoting.ExitCode == 0, overRemoting.Transcript);
            var listing = await CompletedRun.RunAsync(["catalog", "--cluster", cluster.Contact(0)], TimeSpan.FromSeconds(60));
            Assert.True(listing.ExitCode == 0, listing.Transcript);
        }

        // The member has seen clients leave (a goodbye it logs at info); then nothing else about them.
        var node1 = cluster.Nodes[0];
        await node1.WaitForLineAsync(new System.Text.RegularExpressions.Regex(@"Removing receive buffers for .*poetry-client@"), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(node1.StdoutLines, l => l.Contains("[ERR]"));
        Assert.DoesNotContain(node1.StdoutLines, l => l.Contains("[WRN]") && (l.Contains("poetry-get") || l.Contains("poetry-client")));
    }

    [Fact]
    public async Task What_arrives_is_checked_against_the_catalogs_SHA256_and_another_node_serving_it_is_tried()
    {
        var poem = File.ReadAllBytes(Paths.Poem("ecstasy.txt"));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(poem));
        using var server = FakeStatusEndpoint.PoemServer(poem);
        using var closed = TcpProbe.ReservePort();
        string Catalog(string sha, params int[] ports) => $$"""
            {"members":[{"address":"{{Member}}","roles":[],"status":"up"}],
             "services":[{{string.Join(",", ports.Select((p, i) => $$"""{"node":"{{Member}}","name":"ecstasy{{i}}","kind":"fastpoetry","endpoint":"127.0.0.1:{{p}}","poem":"ecstasy","bytes":{{poem.Length}},"sha256":"{{sha}}"}"""))}}]}
            """;

        // The first node listed refuses; the other serves the same SHA-256.
        using (var good = FakeStatusEndpoint.Catalog(Catalog(sha256, closed.Port, server.Port)))
        {
            var run = await CompletedRun.RunAsync("get", "--cluster", good.Url, "--poem", "ecstasy");
            Assert.True(run.ExitCode == 0, run.Transcript);
            Assert.Equal(poem, run.Stdout);
        }

        using var lying = FakeStatusEndpoint.Catalog(Catalog(new string('0', 64), server.Port));
        var mismatch = await CompletedRun.RunAsync("get", "--cluster", lying.Url, "--poem", "ecstasy");
        Assert.True(mismatch.ExitCode == 1, mismatch.Transcript);
        Assert.Empty(mismatch.Stdout);
        Assert.Contains(mismatch.StderrLines, l => l.StartsWith("poetry-node get: ecstasy: ", StringComparison.Ordinal) && l.Contains("SHA-256") && l.Contains("is not the catalog's"));
    }

    [Fact]
    public async Task A_member_not_yet_Up_answers_no_catalog_rather_than_an_empty_one_and_does_once_it_has_joined()
    {
        await using var cluster = await StatusCluster.StartMemberAsync();
        // Its services run; the seed it must join is not there: no cluster to speak for.
        await StatusCluster.ReadyzWhenAsync(cluster.Member, System.Net.HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        var early = await CompletedRun.RunAsync("get", "--cluster", cluster.Member.Url, "--poem", "ecstasy");
        Assert.True(early.ExitCode == 1, early.Transcript);
        Assert.Equal([$"poetry-node get: ecstasy: no contact point of the cluster gave its catalog (tried {cluster.Member.Url}): {cluster.Member.Url}/catalog.json answered 503 Service Unavailable: the member is not Up in the cluster yet, or its catalog did not answer"],
            early.StderrLines);

        await cluster.StartSeedAsync();
        await StatusCluster.ClusterWhenFormedAsync(cluster.Member, TimeSpan.FromSeconds(60));
        var joined = await CompletedRun.RunAsync("get", "--cluster", cluster.Member.Url, "--poem", "science", "--poem", "ecstasy");
        Assert.True(joined.ExitCode == 0, joined.Transcript);
        Assert.Equal(File.ReadAllText(Paths.Poem("science.txt")) + "\n" + File.ReadAllText(StatusNode.Ecstasy), joined.StdoutText);
    }

    [Fact]
    public async Task A_status_endpoint_of_a_node_that_is_not_a_cluster_member_says_so()
    {
        await using var node = await StatusNode.StartAsync(StatusNode.Deployment());
        var catalog = await CompletedRun.RunAsync("catalog", "--cluster", node.Url);
        Assert.True(catalog.ExitCode == 1, catalog.Transcript);
        Assert.Equal([$"poetry-node catalog: no contact point of the cluster gave its catalog (tried {node.Url}): {node.Url} is a poetry node but not a cluster member (it runs without a poetry.cluster section)"],
            catalog.StderrLines);

        var get = await CompletedRun.RunAsync("get", "--cluster", node.Url, "--poem", "ecstasy");
        Assert.True(get.ExitCode == 1, get.Transcript);
        Assert.Contains(get.StderrLines, l => l.StartsWith("poetry-node get: ecstasy: ", StringComparison.Ordinal) && l.Contains("not a cluster member"));
    }

    public static TheoryData<string, string> HostileAnswers => new()
    {
        { Ok("not json!"), "did not answer a cluster catalog: not JSON" },
        { Ok("[]"), "did not answer a cluster catalog: the document is an array, not an object with members and services" },
        { Ok("{\"services\":[]}"), "did not answer a cluster catalog: the document has no \"members\"" },
        { Ok("{\"members\":[],\"services\":[{\"node\":\"x\"}]}"), "did not answer a cluster catalog: services[0] has no \"name\"" },
        { Ok("{\"members\":[{\"address\":\"a\",\"roles\":[1],\"status\":\"up\"}],\"services\":[]}"), "did not answer a cluster catalog: members[0].roles[0] is not a string" },
        { Ok(new string('[', 100_000)), "did not answer a cluster catalog: not JSON" },
        { Ok("{\"members\":[],\"services\":[]}", member: null), "answered without a valid Poetry-Member header: not a poetry cluster member's status endpoint" },
        { "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n", "answered 404 Not Found: not a poetry cluster member's status endpoint" },
        { "HTTP/1.1 200 OK\r\nPoetry-Member: " + Member + "\r\nContent-Length: 999999999999\r\n\r\n", "more than a catalog's 67108864" },
        { "HTTP/1.1 200 OK\r\nPoetry-Member: " + Member + "\r\nContent-Length: 500\r\n\r\n{\"members\":[", "the answer broke off" },
        { "When I was one-and-twenty\nI heard a wise man say\n", "did not answer HTTP (is this a member's status port, not its remoting or a poem port?)" },
        // The client asks in HTTP/1.0 over a plain socket (StatusEndpointGet): what a server may not send it is refused by name.
        { "HTTP/1.1 200 OK\r\nPoetry-Member: " + Member + "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "answered an HTTP/1.0 request with Transfer-Encoding: chunked" },
        { "HTTP/1.1 200 OK\r\nX-Padding: " + new string('a', 70_000) + "\r\n\r\n", "answered headers larger than HTTP's limits" },
        { "HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n", "did not answer HTTP" },
        { "HTTP/1.1 200 OK\r\nPoetry-Member: " + Member + "\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "did not answer HTTP" },
    };

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nPoetry-Member: " + Member + "\r\n\r\n{\"members\":[],\"services\":[]}")]
    [InlineData("HTTP/1.0 200 OK\r\npoetry-member: " + Member + "\r\ncontent-length: 28\r\n\r\n{\"members\":[],\"services\":[]}trailing bytes past the length")]
    public async Task A_catalog_ending_at_the_close_or_at_its_Content_Length_is_read_whole_and_no_further(string response)
    {
        using var fake = FakeStatusEndpoint.Http(response);
        var run = await CompletedRun.RunAsync("catalog", "--cluster", fake.Url, "--json", "--timeout", "10s");
        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.Contains("\"members\": []", run.StdoutText);
        Assert.Contains("\"services\": []", run.StdoutText);
    }

    [Theory]
    [MemberData(nameof(HostileAnswers))]
    public async Task An_answer_that_is_no_members_catalog_is_one_line_naming_the_address_and_exit_1(string response, string reason)
    {
        using var fake = FakeStatusEndpoint.Http(response);
        var run = await CompletedRun.RunAsync("catalog", "--cluster", fake.Url, "--timeout", "10s");
        Assert.True(run.ExitCode == 1, run.Transcript);
        var line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"poetry-node catalog: no contact point of the cluster gave its catalog (tried {fake.Url}): ", line);
        Assert.Contains(reason, line);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task A_member_that_never_answers_times_out_naming_every_address_tried()
    {
        using var silent = FakeStatusEndpoint.Silent();
        using var alsoSilent = FakeStatusEndpoint.Silent();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await CompletedRun.RunAsync("get", "--cluster", silent.Url, "--cluster", alsoSilent.Url, "--timeout", "1s", "--poem", "ecstasy");
        Assert.True(run.ExitCode == 1, run.Transcript);
        Assert.Equal([$"poetry-node get: ecstasy: no contact point of the cluster answered within 1s (tried {silent.Url}, {alsoSilent.Url})"], run.StderrLines);
        // Bounded by the timeout (plus the process's own start), not by the test's patience.
        Assert.True(clock.Elapsed < NodeProcess.Scaled(TimeSpan.FromSeconds(20)), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("https://127.0.0.1:11080", "a member's status endpoint is plain http://HOST:PORT, not https://")]
    [InlineData("ftp://127.0.0.1:11080", "a member's status endpoint is plain http://HOST:PORT, not ftp://")]
    [InlineData("http://127.0.0.1:11080/status.json", "give the status endpoint only, http://HOST:PORT")]
    [InlineData("http://user@127.0.0.1:11080", "give the status endpoint only, http://HOST:PORT")]
    [InlineData("http://", "is not a URL")]
    public async Task A_contact_URL_that_is_not_a_status_endpoint_is_a_usage_error(string url, string reason)
    {
        foreach (var command in new[] { "catalog", "get" })
        {
            string[] args = command == "get" ? ["get", "--cluster", url, "--poem", "ecstasy"] : ["catalog", "--cluster", url];
            var run = await CompletedRun.RunAsync(args);
            Assert.True(run.ExitCode == 2, run.Transcript);
            Assert.Contains(run.StderrLines, l => l.StartsWith($"poetry-node {command}: --cluster: ", StringComparison.Ordinal) && l.Contains(reason));
        }
    }

    [Fact]
    public async Task Remoting_addresses_and_status_endpoints_do_not_mix_and_watch_needs_remoting()
    {
        var mixed = await CompletedRun.RunAsync("catalog", "--cluster", "127.0.0.1:4053", "--cluster", "http://127.0.0.1:11080");
        Assert.True(mixed.ExitCode == 2, mixed.Transcript);
        Assert.Contains("poetry-node catalog: --cluster: give members' remoting addresses (HOST:PORT) or their status endpoints (http://HOST:PORT), not both in one command", mixed.StderrLines);

        var watch = await CompletedRun.RunAsync("catalog", "--cluster", "http://127.0.0.1:11080", "--watch");
        Assert.True(watch.ExitCode == 2, watch.Transcript);
        Assert.Contains(watch.StderrLines, l => l.StartsWith("poetry-node catalog: --watch follows the cluster through the cluster client", StringComparison.Ordinal));
    }

    private static string Ok(string body, string? member = Member) =>
        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(body)}\r\n"
        + (member is null ? "" : $"Poetry-Member: {member}\r\n") + "\r\n" + body;

    // The two commands print the same: retried within a deadline, since a member's status may change between two asks.
    private static async Task SameAnswerAsync(string[] overHttp, string[] overRemoting)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(30));
        while (true)
        {
            var http = await CompletedRun.RunAsync(overHttp);
            var remoting = await CompletedRun.RunAsync(overRemoting);
            Assert.True(http.ExitCode == 0, http.Transcript);
            Assert.True(remoting.ExitCode == 0, remoting.Transcript);
            if (http.StdoutText == remoting.StdoutText)
            {
                Assert.Contains("ozymandias", http.StdoutText);
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Equal(remoting.StdoutText, http.StdoutText);
            }

            await Task.Delay(500);
        }
    }
}
