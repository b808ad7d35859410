using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// <c>poetry-node catalog --watch</c> against real members: it starts with the current members
/// and services, then prints one line per change as it happens (a member that comes up, a service
/// that changes on reload, a member killed: unreachable, its services removed, then the member
/// removed), and Ctrl+C ends it with exit code 0.
/// </summary>
public sealed class CatalogWatchSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");
    private static readonly string Lorelei = Paths.Poem("lorelei.txt");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Timings => """
          failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1500ms }
          split-brain.stable-after = 2s
        """;

    [Fact]
    public async Task Watch_prints_each_member_and_service_change_as_one_line_until_ctrl_c_and_exits_0()
    {
        using var firstFile = new TempDeployment("");
        using var poem = new TempDeployment(File.ReadAllText(Ecstasy), "poem.txt");
        string First(int port) => $$"""
            poetry.node.services = [ { name = first, kind = fastpoetry, poem = "{{poem.Path}}", port = 0, iface = 127.0.0.1 } ]
            poetry.cluster {
              port = {{port}}
              seed-nodes = ["127.0.0.1:{{port}}"]
            {{Timings}}
            }
            """;
        var (first, port) = await ClusterSeed.StartAsync(First, firstFile);
        await using var _ = first;

        await using var watch = NodeProcess.Start(["catalog", "--watch", "--interval", "200ms", "--timeout", "10s", "--cluster", $"127.0.0.1:{port}"]);
        await watch.WaitForLineAsync(new Regex($@"Z member-up 127\.0\.0\.1:{port} roles=-$"), Deadline);
        await watch.WaitForLineAsync(new Regex($@"Z service-added 127\.0\.0\.1:{port}/first fastpoetry 127\.0\.0\.1:\d+ poem=poem bytes=\d+"), Deadline);

        // A second member joins: it comes up (seen joining first, or straight up), and its service is added.
        // Its remoting port is above the first's: when it is killed, keep-majority keeps the side
        // with the lowest address of two equal halves, so the first member must be that side or it
        // would down itself (the two-member trap the README warns of).
        var reserved = new List<TcpProbe.ReservedPort>();
        try
        {
            while ((reserved.Count == 0 || reserved[^1].Port < port) && reserved.Count < 500)
            {
                reserved.Add(TcpProbe.ReservePort());
            }
            Assert.True(reserved[^1].Port > port, $"no free port above {port} for the second member");
        }
        catch
        {
            reserved.ForEach(r => r.Dispose());
            throw;
        }
        using var reservations = new Reservations(reserved);
        var secondPort = reserved[^1].Port;
        using var secondFile = new TempDeployment($$"""
            poetry.node.services = [ { name = second, kind = fastpoetry, poem = "{{Lorelei}}", port = 0, iface = 127.0.0.1 } ]
            poetry.cluster {
              port = {{secondPort}}
              seed-nodes = ["127.0.0.1:{{port}}"]
            {{Timings}}
            }
            """);
        await using var second = NodeProcess.Start(["--pidfile=", "run", secondFile.Path], secondFile.Directory);
        await second.WaitForStartAsync(Deadline);
        var up = await watch.WaitForLineAsync(new Regex(@"Z member-up 127\.0\.0\.1:(?<port>\d+) (roles=-|was joining)$"), Deadline, skip: 1);
        var secondAddress = $"127.0.0.1:{up.Groups["port"].Value}";
        await watch.WaitForLineAsync(new Regex($@"Z service-added {Regex.Escape(secondAddress)}/second fastpoetry .* poem=lorelei "), Deadline);

        // The first member's poem changes and it reloads: the service changed (a new SHA-256).
        await File.WriteAllTextAsync(poem.Path, "a changed poem\n");
        first.Signal(Posix.SigHup);
        await watch.WaitForLineAsync(new Regex($@"Z service-changed 127\.0\.0\.1:{port}/first fastpoetry .* bytes=15 .*\(was fastpoetry"), Deadline);

        // The second member is killed: unreachable (its service gone with it), then removed.
        second.Signal(Posix.SigKill);
        await watch.WaitForLineAsync(new Regex($@"Z member-unreachable {Regex.Escape(secondAddress)} was up$"), Deadline);
        await watch.WaitForLineAsync(new Regex($@"Z service-removed {Regex.Escape(secondAddress)}/second "), Deadline);
        await watch.WaitForLineAsync(new Regex($@"Z member-removed {Regex.Escape(secondAddress)} was "), Deadline);

        // One line per change: nothing printed twice.
        var lines = watch.StdoutLines.Select(l => l[(l.IndexOf(' ') + 1)..]).ToList();
        Assert.Equal(lines.Count, lines.Distinct().Count());

        watch.Signal(Posix.SigInt);
        Assert.Equal(0, await watch.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Watch_ends_with_exit_code_0_on_SIGTERM_too()
    {
        using var file = new TempDeployment("");
        string Lone(int port) => $$"""
            poetry.node.services = [ { name = lone, kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 } ]
            poetry.cluster { port = {{port}}, seed-nodes = ["127.0.0.1:{{port}}"] }
            """;
        var (node, port) = await ClusterSeed.StartAsync(Lone, file);
        await using var _ = node;
        await using var watch = NodeProcess.Start(["catalog", "--watch", "--json", "--timeout", "10s", "--cluster", $"127.0.0.1:{port}"]);
        var added = await watch.WaitForLineAsync(new Regex(@"^\{""time"":""[^""]+Z"",""event"":""service-added"",""subject"":""127\.0\.0\.1:\d+/lone"",""detail"":""fastpoetry "), Deadline);
        watch.Signal(Posix.SigTerm);
        Assert.Equal(0, await watch.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Watch_with_no_member_answering_exits_1_naming_every_address_tried()
    {
        var nobody = ClusterSeed.FreePort();
        var run = await CompletedRun.RunAsync(["catalog", "--watch", "--timeout", "2s", "--cluster", $"127.0.0.1:{nobody}"], TimeSpan.FromSeconds(60));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"no contact point of the cluster answered within 2s (tried 127.0.0.1:{nobody})", run.Stderr);
    }

    [Fact]
    public async Task Interval_without_watch_is_a_usage_error()
    {
        var run = await CompletedRun.RunAsync("catalog", "--interval", "1s", "--cluster", "127.0.0.1:4053");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--interval: only with --watch", run.Stderr);
    }

    private sealed class Reservations(List<TcpProbe.ReservedPort> ports) : IDisposable
    {
        public void Dispose() => ports.ForEach(p => p.Dispose());
    }
}
