using System.Text.Json;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// The three members of <c>hocon/cluster/</c> as real poetry-node processes, on ports of their own
/// so they never collide with anyone's: the files' service ports become 0 (the catalog publishes
/// the ports really bound) and their remoting ports and seeds are overridden with
/// <c>--cluster-port</c> and <c>--seed</c>. Started together; disposing kills what is left.
/// </summary>
internal sealed partial class ThreeNodes : IAsyncDisposable
{
    /// <summary>The poems each example member serves, by member (node1..node3).</summary>
    public static readonly string[][] Poems = [["ecstasy", "science"], ["lorelei", "pushkin"], ["ozymandias"]];

    private readonly List<TempDeployment> _files = [];
    private readonly TcpProbe.ReservedPort[] _reserved;

    private ThreeNodes(TcpProbe.ReservedPort[] reserved)
    {
        // Held (bound, not listening) for the cluster's life, so nothing else on the box takes them.
        _reserved = reserved;
        RemotingPorts = reserved.Select(r => r.Port).ToArray();
    }

    /// <summary>The remoting ports of node1..node3.</summary>
    public int[] RemotingPorts { get; }

    /// <summary>The processes of node1..node3.</summary>
    public NodeProcess[] Nodes { get; private set; } = [];

    /// <summary>node<paramref name="index"/>+1's remoting address, as --cluster takes it.</summary>
    public string Contact(int index) => $"127.0.0.1:{RemotingPorts[index]}";

    /// <summary>Starts the three members (their files changed by <paramref name="edit"/>, when given) and waits until each has started its services.</summary>
    public static async Task<ThreeNodes> StartAsync(Func<string, string>? edit = null)
    {
        var cluster = new ThreeNodes([TcpProbe.ReservePort(), TcpProbe.ReservePort(), TcpProbe.ReservePort()]);
        var nodes = new List<NodeProcess>();
        for (var i = 0; i < 3; i++)
        {
            var text = File.ReadAllText(Path.Combine(Paths.RepoRoot, "hocon", "cluster", $"node{i + 1}.hocon"));
            text = ServicePort().Replace(text, "port = 0, iface");
            text = text.Replace("\"poetry/", "\"" + Path.Combine(Paths.RepoRoot, "poetry") + "/");
            if (edit is not null)
            {
                text = edit(text);
            }

            var file = new TempDeployment(text, $"node{i + 1}.hocon");
            cluster._files.Add(file);
            nodes.Add(NodeProcess.Start(
                ["--pidfile=", "run", file.Path, "--cluster-port", cluster.RemotingPorts[i].ToString(),
                 "--seed", cluster.Contact(0), "--seed", cluster.Contact(1)],
                file.Directory));
        }
        cluster.Nodes = [.. nodes];
        foreach (var node in nodes)
        {
            await node.WaitForStartAsync(TimeSpan.FromSeconds(60));
        }

        return cluster;
    }

    /// <summary>Asks <c>catalog --json</c> through <paramref name="contact"/> until <paramref name="condition"/> holds for the poems it lists.</summary>
    public static async Task<JsonDocument> CatalogWhenAsync(string contact, Func<IReadOnlyList<string>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(timeout ?? TimeSpan.FromSeconds(60));
        var last = "(none)";
        while (true)
        {
            var run = await CompletedRun.RunAsync(["catalog", "--cluster", contact, "--json", "--timeout", "5s"], TimeSpan.FromSeconds(30));
            if (run.ExitCode == 0)
            {
                var json = JsonDocument.Parse(run.Stdout);
                if (condition(PoemsIn(json)))
                {
                    return json;
                }

                last = string.Join(", ", PoemsIn(json));
            }
            else
            {
                last = run.Transcript;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the catalog through {contact} never showed {what}; last: {last}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>The poem names a <c>catalog --json</c> document lists, sorted.</summary>
    public static IReadOnlyList<string> PoemsIn(JsonDocument catalog) => catalog.RootElement.GetProperty("services").EnumerateArray()
        .Where(s => s.TryGetProperty("poem", out _)).Select(s => s.GetProperty("poem").GetString()!).Order().ToList();

    /// <summary>Every example poem, sorted.</summary>
    public static IReadOnlyList<string> AllPoems { get; } = Poems.SelectMany(p => p).Order().ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var file in _files)
        {
            file.Dispose();
        }

        foreach (var port in _reserved)
        {
            port.Dispose();
        }
    }

    // "port = 11000, iface" in the examples' service entries (the remoting port has no iface after it).
    [GeneratedRegex(@"port = 110\d\d, iface")]
    private static partial Regex ServicePort();
}
