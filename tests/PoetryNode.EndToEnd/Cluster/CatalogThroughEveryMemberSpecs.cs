using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// Three real poetry-node processes from <c>hocon/cluster/</c>: the catalog lists every member's poems,
/// <c>get --cluster --poem</c> works through each member (and transforms through the transform
/// member), and SIGTERM leaves the cluster before the services stop in order.
/// </summary>
public sealed class CatalogThroughEveryMemberSpecs
{
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
}
