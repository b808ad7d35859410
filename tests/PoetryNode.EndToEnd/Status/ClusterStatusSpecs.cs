using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Status;

/// <summary>
/// A cluster member's status endpoint, with real processes: <c>/readyz</c> is 503 while the member's
/// start is held open by a seed that is not there (Akka.Cluster.Hosting's readiness check, Up in
/// the cluster) and 200 once it has joined; then <c>/status.json</c> and <c>poetry-node status</c>
/// show the members and the catalog's services.
/// </summary>
public sealed class ClusterStatusSpecs
{
    [Fact]
    public async Task Readyz_is_503_until_the_member_is_Up_in_the_cluster_then_200_and_status_shows_the_members_and_the_catalog()
    {
        await using var cluster = await StatusCluster.StartMemberAsync();
        var member = cluster.Member;

        // The services have started; the seed the member must join is not there: not ready.
        var notReady = await StatusCluster.ReadyzWhenAsync(member, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        using (var body = JsonDocument.Parse(notReady))
        {
            var failed = body.RootElement.GetProperty("failed").EnumerateArray().Select(f => f.GetString()!).ToList();
            Assert.True(failed.Count == 1 && failed[0].Contains("cluster", StringComparison.OrdinalIgnoreCase), notReady);
            Assert.Contains(body.RootElement.GetProperty("checks").EnumerateArray(),
                c => c.GetProperty("name").GetString() == "poetry-services" && c.GetProperty("status").GetString() == "healthy");
        }

        var notReadyStatus = await CompletedRun.RunAsync("status", "--url", member.Url);
        Assert.True(notReadyStatus.ExitCode == 1, notReadyStatus.Transcript);
        Assert.Matches(@"(?m)^check akka\.cluster\.join: unhealthy", notReadyStatus.StdoutText);

        await cluster.StartSeedAsync();
        var ready = await StatusCluster.ReadyzWhenAsync(member, HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Contains("\"failed\":[]", ready);

        var formed = await StatusCluster.ClusterWhenFormedAsync(member, TimeSpan.FromSeconds(60));
        var members = formed.GetProperty("members").EnumerateArray().ToList();
        Assert.Contains(members, m => m.GetProperty("address").GetString()!.EndsWith($"@127.0.0.1:{cluster.SeedPort}")
            && m.GetProperty("status").GetString() == "up");
        Assert.Contains(members, m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "transform"));
        var science = formed.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "science");
        Assert.Equal("fastpoetry", science.GetProperty("kind").GetString());
        Assert.Equal("science", science.GetProperty("poem").GetString());
        Assert.Equal(new FileInfo(Paths.Poem("science.txt")).Length, science.GetProperty("bytes").GetInt64());
        Assert.Matches("^127\\.0\\.0\\.1:\\d+$", science.GetProperty("endpoint").GetString());

        var status = await CompletedRun.RunAsync("status", "--url", member.Url);
        Assert.True(status.ExitCode == 0, status.Transcript);
        Assert.Contains("cluster: 2 members, 3 services in the catalog", status.StdoutText);
        Assert.Matches($@"(?m)^  akka\.tcp://poetry@127\.0\.0\.1:{cluster.SeedPort} up \[", status.StdoutText);
        Assert.Matches(@"(?m)^  akka\.tcp://\S+ science fastpoetry 127\.0\.0\.1:\d+ poem science \(\d+ bytes\)$", status.StdoutText);
        Assert.Matches(new Regex(@"(?m)^check \S*cluster\S*: healthy", RegexOptions.IgnoreCase), status.StdoutText);
    }
}
