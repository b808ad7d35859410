using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// A node that stops while poems are still going out cuts them with a reset, never a clean close
/// (which in this protocol means "that was the whole poem"), so that no client, ours included,
/// takes part of a poem for all of it.
/// </summary>
public sealed class CutConnectionsSpecs
{
    private static readonly string Ozymandias = Paths.Poem("ozymandias.txt");

    // Ozymandias ten bytes every 100 ms takes about 6 s; the drain time is much shorter.
    private static TempDeployment SlowDeployment() => new($$"""
        poetry.node.services = [
          { name = slow, kind = slowpoetry, poem = "{{Ozymandias}}", port = 0, iface = 127.0.0.1, num-bytes = 10, delay = 0.1 }
        ]
        poetry.listener.drain-timeout = 500ms
        """);

    [Fact]
    public async Task SIGTERM_during_slow_poem_transfers_resets_every_client_and_still_exits_0()
    {
        using var file = SlowDeployment();
        await using var node = NodeProcess.Start("run", file.Path);
        var port = (await node.WaitForStartAsync()).Single();
        const int clients = 100;
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < clients; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            }
            using var deadline = new CancellationTokenSource(NodeProcess.Scaled(TimeSpan.FromSeconds(30)));
            var buffer = new byte[10];
            foreach (var socket in sockets)
            {
                Assert.True(await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) > 0);
            }

            node.Signal(15);

            var outcomes = await Task.WhenAll(sockets.Select(async socket =>
            {
                var rest = new byte[4096];
                try
                {
                    while (await socket.ReceiveAsync(rest, SocketFlags.None, deadline.Token) > 0) { }
                    return "clean close";
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    return "reset";
                }
            }));
            Assert.Equal(Enumerable.Repeat("reset", clients), outcomes);
            Assert.Equal(0, await node.WaitForExitAsync());
            Assert.Contains(node.StdoutLines, l => l.Contains($"reset {clients} connections still being served after the drain time of 0.5 s"));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task Get_of_a_poem_cut_short_by_its_server_stopping_fails_instead_of_printing_part_of_it()
    {
        using var file = SlowDeployment();
        await using var node = NodeProcess.Start("run", file.Path);
        var port = (await node.WaitForStartAsync()).Single();

        var get = CompletedRun.RunAsync("get", "--no-progress", $"{port}");
        await node.WaitForLineAsync(new Regex(@"sending \d+ bytes of poetry to 127\.0\.0\.1:\d+"));
        node.Signal(15);
        var run = await get;

        Assert.True(run.ExitCode == 1, run.Transcript);
        Assert.Empty(run.Stdout);
        Assert.Matches(@"^poetry-node get: 127\.0\.0\.1:\d+: read failed: connection reset after \d+ bytes$", Assert.Single(run.StderrLines));
    }
}
