using System.Text.Json;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// A real network partition: three members in three network namespaces joined by a bridge (made
/// and removed by the test), and one of them cut off with <c>ip link set ... down</c>. The majority
/// keeps serving and drops the isolated member's services; the isolated member, on the minority
/// side of keep-majority, downs itself and exits non-zero; healed and restarted, it rejoins and its
/// poem is served by name again. Each namespace has its own network stack, so the members use the
/// example's fixed ports there without meeting any other process. Skipped where namespaces cannot be made.
/// </summary>
public sealed class PartitionSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private static readonly string[] Poems = ["ecstasy", "lorelei", "ozymandias"];
    private readonly List<NodeProcess> _processes = [];
    private readonly List<TempDeployment> _files = [];
    private NetworkLab? _lab;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Every process first (they live in the namespaces), then the namespaces, even after a failure.
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _lab?.Dispose();
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static string Deployment(int n) => $$"""
        poetry.node.services = [
          { name = {{Poems[n - 1]}}, kind = fastpoetry, poem = "{{Paths.Poem(Poems[n - 1] + ".txt")}}", port = 11000, iface = "{{NetworkLab.Address(n)}}" }
        ]
        poetry.cluster {
          hostname = "{{NetworkLab.Address(n)}}"
          port = 4053
          seed-nodes = ["{{NetworkLab.Address(1)}}:4053", "{{NetworkLab.Address(2)}}:4053"]
          failure-detector { heartbeat-interval = 300ms, acceptable-heartbeat-pause = 2s }
          split-brain.stable-after = 3s
        }
        """;

    private async Task<NodeProcess> StartMemberAsync(int n)
    {
        var file = new TempDeployment(Deployment(n));
        _files.Add(file);
        var node = NodeProcess.StartIn(_lab!.Member(n), ["--pidfile=", "run", file.Path], file.Directory);
        _processes.Add(node);
        await node.WaitForStartAsync(Deadline);
        return node;
    }

    /// <summary>Runs <c>poetry-node</c> in member <paramref name="n"/>'s namespace to the end.</summary>
    private async Task<(int Exit, string Stdout, string Transcript)> RunInAsync(int n, params string[] args)
    {
        await using var run = NodeProcess.StartIn(_lab!.Member(n), args);
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, string.Join('\n', run.StdoutLines), run.Transcript);
    }

    /// <summary>The poems member <paramref name="n"/>'s catalog lists, once it answers.</summary>
    private async Task<string[]> CatalogPoemsAsync(int n)
    {
        var (exit, stdout, _) = await RunInAsync(n, "catalog", "--json", "--timeout", "5s", "--cluster", $"{NetworkLab.Address(n)}:4053");
        if (exit != 0)
        {
            return [];
        }

        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.GetProperty("services").EnumerateArray()
            .Where(s => s.TryGetProperty("poem", out _)).Select(s => s.GetProperty("poem").GetString()!).Order().ToArray();
    }

    private async Task WaitForCatalogAsync(int n, string[] poems, string what)
    {
        var end = DateTime.UtcNow + NodeProcess.Scaled(Deadline);
        string[] last = [];
        while ((last = await CatalogPoemsAsync(n)).SequenceEqual(poems) is false)
        {
            if (DateTime.UtcNow > end)
            {
                Assert.Fail($"not within {Deadline.TotalSeconds} s: {what}; member {n}'s catalog lists [{string.Join(", ", last)}]");
            }

            await Task.Delay(500);
        }
    }

    [NetnsFact]
    public async Task An_isolated_member_is_dropped_by_the_majority_downs_itself_and_rejoins_when_healed_and_restarted()
    {
        _lab = NetworkLab.Create(3);
        await StartMemberAsync(1);
        await StartMemberAsync(2);
        var isolated = await StartMemberAsync(3);
        await WaitForCatalogAsync(1, ["ecstasy", "lorelei", "ozymandias"], "the three members' poems");

        _lab.Cut(3);

        // The majority drops the isolated member's poem and keeps serving its own, by name.
        await WaitForCatalogAsync(1, ["ecstasy", "lorelei"], "the isolated member's poem gone from the majority's catalog");
        var get = await RunInAsync(2, "get", "--cluster", $"{NetworkLab.Address(2)}:4053", "--poem", "ecstasy", "--poem", "lorelei");
        Assert.True(get.Exit == 0, get.Transcript);
        Assert.Contains(File.ReadAllText(Paths.Poem("ecstasy.txt")).Trim(), get.Stdout);

        // The isolated member is on the minority side: it downs itself and exits non-zero.
        var exit = await isolated.WaitForExitAsync(Deadline);
        Assert.NotEqual(0, exit);
        Assert.Contains(isolated.StderrLines, l => l.Contains("downed"));

        // Healed and restarted, it rejoins, and its poem is served again through another member.
        _lab.Heal(3);
        await StartMemberAsync(3);
        await WaitForCatalogAsync(1, ["ecstasy", "lorelei", "ozymandias"], "the restarted member's poem back in the catalog");
        var again = await RunInAsync(1, "get", "--cluster", $"{NetworkLab.Address(1)}:4053", "--poem", "ozymandias");
        Assert.True(again.Exit == 0, again.Transcript);
        Assert.Contains(File.ReadAllText(Paths.Poem("ozymandias.txt")).Trim(), again.Stdout);

        // Every namespace made here goes with the lab (the bridge and the veths live in them);
        // DisposeAsync does the same after a failure.
        string[] made = [_lab.Hub, _lab.Member(1), _lab.Member(2), _lab.Member(3)];
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _processes.Clear();
        _lab.Dispose();
        Assert.Empty(NetworkLab.Names().Intersect(made));
    }
}
