using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// SIGHUP re-reads the deployment and the poems: changed services restart, new ones start,
/// removed ones stop, untouched ones keep serving without a hiccup; a broken file is refused with
/// the same precise errors as at start, and nothing changes.
/// </summary>
public sealed partial class ReloadingSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");
    private static readonly string Science = Paths.Poem("science.txt");
    private static readonly string Lorelei = Paths.Poem("lorelei.txt");
    private static readonly string Ozymandias = Paths.Poem("ozymandias.txt");
    private static readonly string Pushkin = Paths.Poem("pushkin.txt");

    [Fact]
    public async Task SIGHUP_restarts_a_changed_service_adds_a_new_one_stops_a_removed_one_and_leaves_the_unchanged_one_serving()
    {
        using var file = new TempDeployment($$"""
            poetry.node.services = [
              { name = steady,   kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 }
              { name = changing, kind = fastpoetry, poem = "{{Science}}", port = 0, iface = 127.0.0.1 }
              { name = leaving,  kind = fastpoetry, poem = "{{Lorelei}}", port = 0, iface = 127.0.0.1 }
            ]
            """);
        await using var node = NodeProcess.Start(["run", file.Path], file.Directory);
        await node.WaitForStartAsync();
        var before = Ports(node.StdoutLines);

        // A client of the untouched service, fetching its poem over and over through the reload.
        var ecstasy = await File.ReadAllBytesAsync(Ecstasy);
        using var stop = new CancellationTokenSource();
        var fetches = FetchUntilStoppedAsync(before["steady"], stop.Token);

        file.Rewrite($$"""
            poetry.node.services = [
              { name = steady,   kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 }
              { name = arriving, kind = fastpoetry, poem = "{{Pushkin}}", port = 0, iface = 127.0.0.1 }
              { name = changing, kind = fastpoetry, poem = "{{Ozymandias}}", port = 0, iface = 127.0.0.1 }
            ]
            """);
        node.Signal(Posix.SigHup);
        await node.WaitForLineAsync(new Regex(@"reloaded .*: 1 restarted, 1 added, 1 removed, 1 unchanged$"));
        // Keep the client going a little past the reload, then look at what it got.
        await Task.Delay(200);
        await stop.CancelAsync();
        var poems = await fetches;
        Assert.True(poems.Count > 5, $"only {poems.Count} fetches during the reload");
        Assert.All(poems, poem => Assert.Equal(ecstasy, poem));

        var after = Ports(node.StdoutLines);
        Assert.Equal(before["steady"], after["steady"]);
        Assert.Equal(await File.ReadAllBytesAsync(Ozymandias), await TcpProbe.ReadPoemAsync(after["changing"]));
        Assert.Equal(await File.ReadAllBytesAsync(Pushkin), await TcpProbe.ReadPoemAsync(after["arriving"]));
        if (!after.Values.Contains(before["leaving"]))
        {
            Assert.False(TcpProbe.IsListening(before["leaving"]));
        }

        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("service node/steady stopped"));
        Assert.Contains(node.StdoutLines, l => l.EndsWith("service node/leaving stopped"));

        // The node now stops in the reverse of the new file's order.
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
        var shutdown = node.StdoutLines.SkipWhile(l => !l.EndsWith("shutting down"))
            .Select(l => Regex.Match(l, @"service node/([\w-]+) stopped$")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["changing", "arriving", "steady"], shutdown);
    }

    [Fact]
    public async Task SIGHUP_with_an_invalid_deployment_logs_the_same_precise_errors_as_at_start_and_changes_nothing()
    {
        var good = $$"""
            poetry.node.services = [
              { name = good, kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 }
            ]
            """;
        using var file = new TempDeployment(good);
        await using var node = NodeProcess.Start(["run", file.Path], file.Directory);
        var port = (await node.WaitForStartAsync()).Single();

        file.Rewrite($$"""
            poetry.node.services = [
              { name = good, kind = fastpoetry, poem = "{{Science}}", port = abc }
              { name = bad, kind = fastpoem, port = 0 }
            ]
            """);
        node.Signal(Posix.SigHup);
        await node.WaitForLineAsync(new Regex("reload refused: the running services are left as they were$"));

        Assert.Contains(node.StdoutLines, l => l.Contains(
            $"[ERR] [poetry-node (akka://poetry)] reload refused: {file.Path}: services[0] (good): port: expected a port from 0 to 65535 but got 'abc'"));
        Assert.Contains(node.StdoutLines, l => l.Contains(
            $"reload refused: {file.Path}: services[1] (bad): kind: unknown kind 'fastpoem'"));
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains(" stopped"));
        Assert.Equal(await File.ReadAllBytesAsync(Ecstasy), await TcpProbe.ReadPoemAsync(port));

        // Mended, the same file reloads to no change at all.
        file.Rewrite(good);
        node.Signal(Posix.SigHup);
        await node.WaitForLineAsync(new Regex(@"reloaded .*: nothing changed \(1 unchanged\)$"));
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains(" stopped"));
    }

    [Fact]
    public async Task SIGHUP_rereads_the_poems_and_restarts_only_the_service_whose_poem_changed()
    {
        using var file = new TempDeployment("");
        var first = Path.Combine(file.Directory, "first.txt");
        var second = Path.Combine(file.Directory, "second.txt");
        File.Copy(Ecstasy, first);
        File.Copy(Science, second);
        file.Rewrite($$"""
            poetry.node.services = [
              { name = first,  kind = fastpoetry, poem = "{{first}}", port = 0, iface = 127.0.0.1 }
              { name = second, kind = fastpoetry, poem = "{{second}}", port = 0, iface = 127.0.0.1 }
            ]
            """);
        await using var node = NodeProcess.Start(["run", file.Path], file.Directory);
        await node.WaitForStartAsync();
        var before = Ports(node.StdoutLines);

        File.Copy(Lorelei, first, overwrite: true);
        node.Signal(Posix.SigHup);
        await node.WaitForLineAsync(new Regex(@"reloaded .*: 1 restarted, 0 added, 0 removed, 1 unchanged$"));

        var after = Ports(node.StdoutLines);
        Assert.Equal(await File.ReadAllBytesAsync(Lorelei), await TcpProbe.ReadPoemAsync(after["first"]));
        Assert.Equal(before["second"], after["second"]);
        Assert.Equal(await File.ReadAllBytesAsync(Science), await TcpProbe.ReadPoemAsync(after["second"]));
        Assert.Contains(node.StdoutLines, l => l.EndsWith("service node/first stopped"));
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains("service node/second stopped"));
    }

    // The latest port each top-level service listens on, from its listener's log lines.
    private static Dictionary<string, int> Ports(IEnumerable<string> lines)
    {
        var ports = new Dictionary<string, int>();
        foreach (var match in lines.Select(l => ServiceListening().Match(l)).Where(m => m.Success))
        {
            ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value);
        }

        return ports;
    }

    private static async Task<List<byte[]>> FetchUntilStoppedAsync(int port, CancellationToken stop)
    {
        var poems = new List<byte[]>();
        while (!stop.IsCancellationRequested)
        {
            poems.Add(await TcpProbe.ReadPoemAsync(port));
            await Task.Delay(10, CancellationToken.None);
        }
        return poems;
    }

    [GeneratedRegex(@"/user/node/(?<service>[\w-]+)/listener\] listening on [^\s]+:(?<port>\d+)$")]
    private static partial Regex ServiceListening();
}
