using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// Three real members; one is SIGKILLed: its poems leave the catalog, a get of a poem only it
/// served fails at once with the reason, and the others keep serving.
/// </summary>
public sealed class KilledMemberSpecs
{
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
}
