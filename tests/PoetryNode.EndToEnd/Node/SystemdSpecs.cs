using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// A <c>Type=notify</c> unit's contract, with the test as the service manager: the node sends
/// <c>READY=1</c> to <c>$NOTIFY_SOCKET</c> once its ports are bound, and <c>STOPPING=1</c> as soon
/// as it is told to stop.
/// </summary>
public sealed class SystemdSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");

    [Fact]
    public async Task With_NOTIFY_SOCKET_it_says_READY_once_its_port_is_bound_and_STOPPING_on_SIGTERM()
    {
        using var manager = new NotifySocket();
        await using var node = NodeProcess.Start(
            ["--pidfile=", "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"],
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = manager.Path });

        Assert.Equal("READY=1", await manager.ReceiveAsync());
        // Ready means serving: the port is bound by then, and the notice follows the binding in the log.
        var ports = await node.WaitForStartAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(await File.ReadAllBytesAsync(Ecstasy), await TcpProbe.ReadPoemAsync(ports.Single()));
        await node.WaitForLineAsync(new Regex("told the service manager READY=1$"));
        var lines = node.StdoutLines.ToList();
        Assert.True(lines.FindIndex(l => NodeProcess.ListeningOn().IsMatch(l)) < lines.FindIndex(l => l.EndsWith("told the service manager READY=1")));
        Assert.False(File.Exists(Path.Combine(node.WorkingDirectory, "poetry-node.pid")));

        node.Signal(Posix.SigTerm);
        Assert.Equal("STOPPING=1", await manager.ReceiveAsync());
        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.Contains(node.StdoutLines, l => l.EndsWith("all services stopped"));
    }
}
