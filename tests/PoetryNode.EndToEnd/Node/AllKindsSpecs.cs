using System.Net.Sockets;
using System.Text;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>One real node running every service kind at once from a deployment file.</summary>
public sealed class AllKindsSpecs
{
    [Fact]
    public async Task A_deployment_with_all_four_kinds_serves_each_protocol()
    {
        var ecstasy = Paths.Poem("ecstasy.txt");
        var science = Paths.Poem("science.txt");
        // The proxy needs its upstream's port before the node starts, so that one port is picked here.
        using var upstreamPortReserved = TcpProbe.ReservePort();
        var upstreamPort = upstreamPortReserved.Port;
        using var file = new TempDeployment($$"""
            poetry.node.services = [
              { name = ecstasy, kind = fastpoetry, poem = "{{ecstasy}}", port = {{upstreamPort}}, iface = 127.0.0.1 }
              { name = xform,   kind = transform,  port = 0, iface = 127.0.0.1 }
              { name = slow,    kind = slowpoetry, poem = "{{science}}", port = 0, iface = 127.0.0.1, num-bytes = 200, delay = 0.05 }
              { name = cache,   kind = proxy,      port = 0, iface = 127.0.0.1, upstream = "127.0.0.1:{{upstreamPort}}" }
            ]
            """);
        await using var node = NodeProcess.Start("run", file.Path);
        var ports = await node.WaitForStartAsync();
        Assert.Equal(4, ports.Count);
        var (fast, xform, slow, cache) = (ports[0], ports[1], ports[2], ports[3]);

        var ecstasyBytes = await File.ReadAllBytesAsync(ecstasy);
        Assert.Equal(ecstasyBytes, await TcpProbe.ReadPoemAsync(fast));
        Assert.Equal(await File.ReadAllBytesAsync(science), await TcpProbe.ReadPoemAsync(slow));
        Assert.Equal(ecstasyBytes, await TcpProbe.ReadPoemAsync(cache));
        Assert.Equal(ecstasyBytes, await TcpProbe.ReadPoemAsync(cache));
        Assert.Equal("15:here is my poem,", await AskTransformAsync(xform, "27:cummingsify.HERE IS MY POEM,"));
        Assert.Equal("0:,", await AskTransformAsync(xform, "12:cummingsify.,"));
        Assert.Equal("", await AskTransformAsync(xform, "5:nope.,"));

        await node.WaitForLineAsync(new(@"Using cached poem\.$"));
        Assert.Single(node.StdoutLines, l => l.EndsWith("Fetching poem from server."));
        await node.WaitForLineAsync(new(@"transform request from 127\.0\.0\.1:\d+ refused: unknown transform 'nope'"));

        node.Signal(15);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    private static async Task<string> AskTransformAsync(int port, string request)
    {
        using var cts = new CancellationTokenSource(NodeProcess.Scaled(TimeSpan.FromSeconds(10)));
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cts.Token);
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply, cts.Token);
        return Encoding.UTF8.GetString(reply.ToArray());
    }
}
