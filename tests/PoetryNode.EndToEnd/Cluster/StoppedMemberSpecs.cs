using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// Three real members; one is stopped (SIGSTOP) past the resolver's window: the others down and
/// remove it, and once it runs again (SIGCONT) it finds itself downed and exits non-zero.
/// </summary>
public sealed class StoppedMemberSpecs
{
    private const int SigStop = 19;
    private const int SigCont = 18;

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
            // The leader among the survivors says so when it removes it.
            var removed = new Regex($@"Leader is removing unreachable node \[akka\.tcp://poetry@127\.0\.0\.1:{cluster.RemotingPorts[2]}\]");
            await Task.WhenAny(cluster.Nodes[0].WaitForLineAsync(removed, TimeSpan.FromSeconds(60)), cluster.Nodes[1].WaitForLineAsync(removed, TimeSpan.FromSeconds(60)));
            Assert.True(cluster.Nodes[..2].Any(n => n.StdoutLines.Any(removed.IsMatch)), "node3 was never removed from the cluster; node1 said:\n" + cluster.Nodes[0].Transcript);
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
