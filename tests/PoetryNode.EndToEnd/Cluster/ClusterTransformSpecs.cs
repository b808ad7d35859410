using System.Globalization;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// The three real members of <c>hocon/cluster/</c> (node3 the transform member): <c>get --cluster
/// --poem ... --transform</c> sends each poem through node3's transform service as an actor; then
/// node3 is SIGKILLed while a burst of 200 transforms is in flight there, and every poem is still
/// printed, transformed or with the familiar fallback warning, exit 0. One test, one cluster: three
/// processes are the costly part of the tier.
/// </summary>
public sealed class ClusterTransformSpecs
{
    private const int SigStop = 19;

    private static readonly string[] Names = ["ecstasy", "science", "lorelei", "pushkin"];

    [Fact]
    public async Task Get_transforms_through_the_transform_member_and_a_SIGKILL_mid_burst_leaves_every_poem_printed()
    {
        // The others must still see node3 as reachable while it is stopped (so the catalog still
        // offers its transforms and the burst goes there): a long heartbeat pause for this test.
        await using var cluster = await ThreeNodes.StartAsync(text => text.Replace("acceptable-heartbeat-pause = 3s", "acceptable-heartbeat-pause = 30s"));
        await ThreeNodes.CatalogWhenAsync(cluster.Contact(0), p => p.SequenceEqual(ThreeNodes.AllPoems), "every poem");

        var transformed = await CompletedRun.RunAsync(
            ["get", "--cluster", cluster.Contact(0), "--timeout", "30s", "--poem", "ecstasy", "--poem", "lorelei", "--transform", "cummingsify"], TimeSpan.FromSeconds(60));
        Assert.True(transformed.ExitCode == 0, transformed.Transcript);
        Assert.Equal(Lower(Poem("ecstasy")) + "\n" + Lower(Poem("lorelei")), transformed.StdoutText);
        Assert.DoesNotContain("failed", transformed.Stderr);

        // As each arrives: every poem by name is printed (each settled poem has its slot, named ones too).
        var asCompleted = await CompletedRun.RunAsync(
            ["get", "--cluster", cluster.Contact(0), "--timeout", "30s", "--poem", "ecstasy", "--poem", "lorelei", "--transform", "cummingsify", "--as-completed"], TimeSpan.FromSeconds(60));
        Assert.True(asCompleted.ExitCode == 0, asCompleted.Transcript);
        Assert.Contains(Lower(Poem("ecstasy")), asCompleted.StdoutText);
        Assert.Contains(Lower(Poem("lorelei")), asCompleted.StdoutText);
        Assert.DoesNotContain("threw", asCompleted.Stderr);

        var names = Enumerable.Range(0, 200).Select(i => Names[i % Names.Length]).ToList();
        var node3Port = cluster.RemotingPorts[2];
        cluster.Nodes[2].Signal(SigStop);
        // The members' own connections to node3 (gossip keeps arriving there while it is stopped).
        var members = Connections(node3Port).Select(c => c.RemotePort).ToHashSet();
        var burst = CompletedRun.RunAsync(["get", "--cluster", cluster.Contact(0), "--timeout", "30s", .. names.SelectMany(n => new[] { "--poem", n }), "--transform", "cummingsify"],
            TimeSpan.FromSeconds(90));

        // The burst is in flight at node3 once its unread requests pile up in the socket buffer of
        // the get's own connection there (a connection none of the members had).
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(45));
        while (Connections(node3Port).Where(c => !members.Contains(c.RemotePort)).Sum(c => c.Unread) < 20_000 && !burst.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the burst of transforms never reached the stopped transform member");
            }

            await Task.Delay(50);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        cluster.Nodes[2].Signal(Posix.SigKill);
        var run = await burst;

        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.True(clock.Elapsed < NodeProcess.Scaled(TimeSpan.FromSeconds(10)), $"the burst ended {clock.Elapsed} after the kill, not before its transforms' idle timeout");
        var warnings = run.StderrLines.Count(l => l.Contains("Cummingsify failed!", StringComparison.Ordinal) && l.EndsWith("the original poem is printed", StringComparison.Ordinal));
        var printedTransformed = CheckEveryPoemPrinted(run.StdoutText, names);
        Assert.Equal(names.Count, warnings + printedTransformed);
        Assert.True(warnings > 0, "the kill came after every transform had been answered");
        var fallback = run.StderrLines.First(l => l.Contains("Cummingsify failed!", StringComparison.Ordinal));
        Assert.True(fallback.Contains("went away in the middle of the request", StringComparison.Ordinal), fallback);
    }

    /// <summary>Checks that stdout holds every poem in order, each original or lower-cased; returns how many were transformed.</summary>
    private static int CheckEveryPoemPrinted(string stdout, IReadOnlyList<string> names)
    {
        var position = 0;
        var transformed = 0;
        foreach (var (name, index) in names.Select((n, i) => (n, i)))
        {
            if (index > 0)
            {
                Assert.Equal('\n', stdout[position]);
                position++;
            }
            var original = Poem(name);
            if (string.CompareOrdinal(stdout, position, original, 0, original.Length) == 0)
            {
                position += original.Length;
                continue;
            }
            var lower = Lower(original);
            Assert.True(string.CompareOrdinal(stdout, position, lower, 0, lower.Length) == 0, $"poem {index} ({name}) is neither the original nor transformed at offset {position}");
            position += lower.Length;
            transformed++;
        }
        Assert.Equal(stdout.Length, position);
        return transformed;
    }

    private static string Poem(string name) => File.ReadAllText(Paths.Poem(name + ".txt"));

    private static string Lower(string poem) => poem.ToLowerInvariant();

    /// <summary>The TCP connections whose local port is <paramref name="port"/>: the peer's port and the bytes received but not yet read (from /proc/net/tcp).</summary>
    private static IReadOnlyList<(int RemotePort, long Unread)> Connections(int port)
    {
        var connections = new List<(int, long)>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5 || fields[3] != "01")
                {
                    continue;
                }

                if (Port(fields[1]) != port)
                {
                    continue;
                }

                connections.Add((Port(fields[2]), long.Parse(fields[4].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }

        return connections;
    }

    private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
