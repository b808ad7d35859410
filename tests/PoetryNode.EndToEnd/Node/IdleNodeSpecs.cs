using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// What a single node loads when it starts: it serves, and it has not loaded what only Akka's
/// read of an app.config needs (System.Configuration and its XML reader, about 5 MB of an idle
/// node's memory) nor Akka's JSON serializer, which it has not used (about 1.5 MB; see
/// tests/benchmarks/README.md, "Issue 11, idle memory"), nor the cluster's hosting builders; and
/// that the thread which sums up repeated warnings waits for a warning to repeat ("third pass");
/// and that once it serves, and after each reload, it collects the start's garbage and gives the
/// memory back, and its Akka scheduler ticks every 50 ms, not every 10 ("Stop 19").
/// </summary>
public sealed partial class IdleNodeSpecs
{
    [Fact]
    public async Task A_single_node_serves_without_loading_the_app_config_machinery_or_the_json_serializer()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--port", "0", "--iface", "127.0.0.1", "--poem", Paths.Poem("ecstasy.txt"));
        var ports = await node.WaitForStartAsync();

        Assert.Equal(await File.ReadAllBytesAsync(Paths.Poem("ecstasy.txt")), await TcpProbe.ReadPoemAsync(ports[0]));
        var mapped = await File.ReadAllTextAsync($"/proc/{node.Pid}/maps");
        Assert.Contains("Akka.dll", mapped);
        Assert.DoesNotContain("System.Configuration.ConfigurationManager.dll", mapped);
        Assert.DoesNotContain("System.Private.Xml.dll", mapped);
        // Akka's JSON serializer is made on first use, and nothing has been serialized.
        Assert.DoesNotContain("Newtonsoft.Json.dll", mapped);
        // The cluster's builders are compiled only for a deployment that joins a cluster.
        Assert.DoesNotContain("Akka.Cluster.Hosting.dll", mapped);
        // No warning has repeated, so there is no summary to write and no thread to write it.
        var threads = Directory.GetDirectories($"/proc/{node.Pid}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).ToList();
        Assert.Contains(threads, name => name.StartsWith("accept ", StringComparison.Ordinal));
        Assert.DoesNotContain("repeated-warnings", threads);

        node.Signal(15);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    [Fact]
    public async Task Once_it_serves_and_after_each_reload_a_node_collects_the_garbage_of_its_start()
    {
        await using var node = NodeProcess.Start("--loglevel", "debug", "fastpoetry", "--port", "0", "--iface", "127.0.0.1", "--poem", Paths.Poem("ecstasy.txt"));
        var ports = await node.WaitForStartAsync();

        var started = await node.WaitForLineAsync(GarbageCollected());
        Assert.Equal("start-up", started.Groups["when"].Value);
        // Its whole heap was collected: what is left is what the node holds, no more than before.
        Assert.True(long.Parse(started.Groups["after"].Value) <= long.Parse(started.Groups["before"].Value), started.Value);
        var lines = node.StdoutLines.ToList();
        Assert.True(lines.FindIndex(l => l.EndsWith("] node started", StringComparison.Ordinal)) < lines.FindIndex(l => l.Contains("start-up garbage collected", StringComparison.Ordinal)));

        node.Signal(1);
        var reloaded = await node.WaitForLineAsync(GarbageCollected(), skip: 1);
        Assert.Equal("reload", reloaded.Groups["when"].Value);
        Assert.Equal(await File.ReadAllBytesAsync(Paths.Poem("ecstasy.txt")), await TcpProbe.ReadPoemAsync(ports[0]));

        node.Signal(15);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    [Fact]
    public async Task An_idle_node_wakes_its_timer_thread_tens_of_times_a_second_not_hundreds()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--port", "0", "--iface", "127.0.0.1", "--poem", Paths.Poem("ecstasy.txt"));
        await node.WaitForStartAsync();
        var timerThread = Directory.GetDirectories($"/proc/{node.Pid}/task").Single(t => File.ReadAllText(Path.Combine(t, "comm")).Trim() == ".NET Timer");

        // A rate over a window: Akka's 10 ms tick wakes this thread ~300 times a second, the node's
        // 50 ms tick ~60 (SchedulerTick). A busy machine can only delay wake-ups, never add them.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = VoluntarySwitches(timerThread);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var perSecond = (VoluntarySwitches(timerThread) - before) / clock.Elapsed.TotalSeconds;

        Assert.True(perSecond < 150, $"the timer thread woke {perSecond:0} times a second");
        node.Signal(15);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    private static long VoluntarySwitches(string thread) =>
        long.Parse(File.ReadLines(Path.Combine(thread, "status")).Single(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)).Split(':')[1].Trim());

    [GeneratedRegex(@"\] (?<when>start-up|reload) garbage collected: heap (?<before>\d+) -> (?<after>\d+) KB, \d+ KB committed, paused \d+\.\d ms$")]
    private static partial Regex GarbageCollected();
}
