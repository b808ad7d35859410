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

        // Names and plain addresses mix, in the order given; an unknown name fails with the issue's line.
        var listed = await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => p.SequenceEqual(ThreeNodes.AllPoems), "every poem");
        string EndpointOf(string poem) => listed.RootElement.GetProperty("services").EnumerateArray()
            .First(s => s.TryGetProperty("poem", out var p) && p.GetString() == poem).GetProperty("endpoint").GetString()!;
        var mixed = await CompletedRun.RunAsync(
            ["get", "--cluster", cluster.Contact(0), EndpointOf("pushkin"), "--poem", "ecstasy", "--poem", "nosuchpoem", EndpointOf("science")], TimeSpan.FromSeconds(60));
        Assert.True(mixed.ExitCode == 1, mixed.Transcript);
        Assert.Equal(string.Join("\n", new[] { "pushkin", "ecstasy", "science" }.Select(p => File.ReadAllText(Paths.Poem(p + ".txt")))), mixed.StdoutText);
        Assert.Contains("poetry-node get: nosuchpoem: no node of the cluster serves a poem named 'nosuchpoem'", mixed.StderrLines);

        // On a terminal the live display follows the names as it does the addresses.
        var onTerminal = await OnTerminalAsync(["get", "--cluster", cluster.Contact(0), "--poem", "lorelei", EndpointOf("ozymandias")]);
        Assert.Contains("get: 2 poems: 0 done, 0 failed, 2 in progress", onTerminal);
        Assert.Contains("download-0  lorelei", onTerminal);
        Assert.Contains($"download-1  {EndpointOf("ozymandias")}", onTerminal);
        Assert.Contains(File.ReadAllText(Paths.Poem("lorelei.txt")).Split('\n')[0], onTerminal);

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

    /// <summary>What a terminal shows of poetry-node run with <paramref name="args"/>: run under script(1), stdout and stderr on one pty.</summary>
    private static async Task<string> OnTerminalAsync(IReadOnlyList<string> args)
    {
        var command = string.Join(' ', new[] { "dotnet", Paths.PoetryNodeDll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var info = new System.Diagnostics.ProcessStartInfo("script", ["-qec", command, "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["TERM"] = "xterm";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(NodeProcess.Scaled(TimeSpan.FromSeconds(60)));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not exit in time: {await output}");
        }
        Assert.True(process.ExitCode == 0, $"{command} exited {process.ExitCode}: {await output}");
        return await output;
    }
}
