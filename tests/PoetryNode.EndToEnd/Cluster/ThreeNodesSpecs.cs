using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// Three real poetry-node processes from <c>hocon/cluster/</c> joined as an Akka.Cluster: the
/// catalog lists every member's poems, <c>get --cluster --poem</c> works through each member, a
/// SIGTERM leaves the cluster before the services stop, a SIGKILLed member's poems leave the
/// catalog while the others keep serving, and a member stopped (SIGSTOP) past the resolver's
/// window is downed and exits non-zero once it runs again.
/// </summary>
public sealed class ThreeNodesSpecs
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    [Fact]
    public async Task The_catalog_lists_every_poem_and_get_by_name_works_through_every_member_and_SIGTERM_leaves_first()
    {
        await using var cluster = await ThreeNodes.StartAsync();
        for (var member = 0; member < 3; member++)
        {
            var catalog = await ThreeNodes.CatalogWhenAsync(cluster.Contact(member), p => p.SequenceEqual(ThreeNodes.AllPoems), "every poem");
            var members = catalog.RootElement.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(3, members.Count);
            Assert.All(members, m => Assert.Equal("up", m.GetProperty("status").GetString()));
            Assert.Contains(members, m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "transform"));
        }

        for (var member = 0; member < 3; member++)
        {
            var run = await CompletedRun.RunAsync(["get", "--cluster", cluster.Contact(member), "--poem", "ecstasy", "--poem", "lorelei", "--poem", "ozymandias"], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.Transcript);
            var expected = string.Join("\n", new[] { "ecstasy", "lorelei", "ozymandias" }.Select(p => File.ReadAllText(Paths.Poem(p + ".txt"))));
            Assert.Equal(expected, run.StdoutText);
        }

        // A transform by name goes through the member with the transform role.
        var shouted = await CompletedRun.RunAsync(["get", "--cluster", cluster.Contact(0), "--poem", "science", "--transform", "shout"], TimeSpan.FromSeconds(60));
        Assert.True(shouted.ExitCode == 0, shouted.Transcript);
        Assert.Equal(File.ReadAllText(Paths.Poem("science.txt")).ToUpperInvariant(), shouted.StdoutText);

        // SIGTERM: node1 leaves the cluster, then stops its services in order, and exits 0.
        var node1 = cluster.Nodes[0];
        node1.Signal(Posix.SigTerm);
        Assert.Equal(0, await node1.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var log = node1.StdoutLines.ToList();
        int At(string text) => log.FindIndex(l => l.Contains(text));
        Assert.True(At("leaving the cluster") >= 0, node1.Transcript);
        Assert.True(At("leaving the cluster") < At("stopping the services"), node1.Transcript);
        Assert.True(At("stopping the services") < At("service node/science stopped"), node1.Transcript);
        Assert.True(At("service node/science stopped") < At("service node/ecstasy stopped"), node1.Transcript);
        await ThreeNodes.CatalogWhenAsync(cluster.Contact(1), p => !p.Contains("ecstasy") && p.Contains("lorelei"), "node1's poems gone", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_SIGKILLed_member_leaves_the_catalog_its_poems_fail_fast_and_the_others_keep_serving()
    {
        await using var cluster = await ThreeNodes.StartAsync();
        await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => p.SequenceEqual(ThreeNodes.AllPoems), "every poem");

        cluster.Nodes[1].Signal(Posix.SigKill);
        await cluster.Nodes[1].WaitForExitAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => !p.Contains("lorelei") && !p.Contains("pushkin") && p.Contains("ecstasy"),
            "node2's poems gone", TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < NodeProcess.Scaled(TimeSpan.FromSeconds(30)), $"took {clock.Elapsed}");

        var started = System.Diagnostics.Stopwatch.StartNew();
        var lost = await CompletedRun.RunAsync(["get", "--cluster", cluster.Contact(2), "--poem", "lorelei", "--poem", "ozymandias"], TimeSpan.FromSeconds(30));
        Assert.Equal(1, lost.ExitCode);
        Assert.Contains("poetry-node get: lorelei: no node of the cluster serves a poem named 'lorelei'", lost.StderrLines);
        Assert.Equal(File.ReadAllText(Paths.Poem("ozymandias.txt")), lost.StdoutText);
        Assert.True(started.Elapsed < NodeProcess.Scaled(TimeSpan.FromSeconds(15)), $"get took {started.Elapsed}");
    }

    [Fact]
    public async Task A_member_stopped_past_the_resolver_window_is_downed_and_exits_non_zero_after_SIGCONT()
    {
        await using var cluster = await ThreeNodes.StartAsync();
        await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => p.SequenceEqual(ThreeNodes.AllPoems), "every poem");
        var node3 = cluster.Nodes[2];

        node3.Signal(SigStop);
        try
        {
            // Unreachable: its poem leaves the readers' view; then the resolver downs it and it is removed.
            await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => !p.Contains("ozymandias"), "node3's poem gone", TimeSpan.FromSeconds(30));
            var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(60));
            while (true)
            {
                var catalog = await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), _ => true, "an answer");
                if (catalog.RootElement.GetProperty("members").GetArrayLength() == 2) break;
                Assert.True(DateTime.UtcNow < deadline, "node3 was never removed from the cluster");
                await Task.Delay(500);
            }
        }
        finally
        {
            node3.Signal(SigCont);
        }

        var exit = await node3.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit != 0, node3.Transcript);
        Assert.Contains(node3.StderrLines, l => Regex.IsMatch(l, "^poetry-node: this node was (downed|removed)"));
        // The survivors go on serving.
        var run = await CompletedRun.RunAsync(["get", "--cluster", cluster.Contact(1), "--poem", "science"], TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.Transcript);
    }
}
