using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// A signal that comes while the node is still starting (before its host can act on it) does
/// not kill it: it is held from the first line of Main and carried out once the node has
/// started. A hangup then reloads; a stop is the orderly stop, with exit code 0.
/// </summary>
public sealed class EarlySignalsSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");

    private static NodeProcess StartNode() =>
        NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1");

    /// <summary>
    /// Waits until the node's Main holds the signals, well before the host is ready. SIGHUP is the
    /// sign: the runtime itself catches SIGTERM and SIGINT from its start (and lets them kill the
    /// process while nothing holds them), but not SIGHUP, and Main holds SIGHUP last.
    /// </summary>
    private static async Task WaitUntilSignalsAreHeldAsync(NodeProcess node)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(TimeSpan.FromSeconds(20));
        // Between fork and exec the child still has the test host's handlers: look only once it runs poetry-node.
        while (!(File.ReadAllText($"/proc/{node.Pid}/cmdline").Contains("poetry-node") && Posix.Catches(node.Pid, Posix.SigHup)))
        {
            Assert.True(DateTime.UtcNow < deadline && !node.HasExited, "the node never caught SIGHUP\n" + node.Transcript);
            await Task.Delay(2);
        }
    }

    [Fact]
    public async Task SIGHUP_before_the_node_is_ready_is_deferred_into_a_reload_and_does_not_kill_it()
    {
        await using var node = StartNode();
        await WaitUntilSignalsAreHeldAsync(node);

        node.Signal(Posix.SigHup);

        await node.WaitForStartAsync();
        await node.WaitForLineAsync(new Regex(@"reloaded poetry-node fastpoetry: nothing changed"));
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    [Fact]
    public async Task SIGTERM_before_the_node_is_ready_stops_it_in_order_with_exit_code_0()
    {
        await using var node = StartNode();
        await WaitUntilSignalsAreHeldAsync(node);

        node.Signal(Posix.SigTerm);

        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.Contains(node.StdoutLines, l => l.Contains("node stopped"));
        Assert.Empty(node.StderrLines);
    }

    [Fact]
    public async Task SIGHUP_and_SIGTERM_together_while_starting_end_in_an_orderly_stop()
    {
        await using var node = StartNode();
        await WaitUntilSignalsAreHeldAsync(node);

        node.Signal(Posix.SigHup);
        node.Signal(Posix.SigTerm);

        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.Contains(node.StdoutLines, l => l.Contains("node stopped"));
    }

    [Fact]
    public async Task A_command_that_serves_nothing_is_released_from_the_hold_and_SIGTERM_interrupts_it()
    {
        // A server that accepts and never sends: get waits on it until the signal.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        await using var get = NodeProcess.Start("get", "--no-progress", "--idle-timeout", "60s", "--deadline", "60s", $"{port}");
        using var accepted = await silent.AcceptSocketAsync().WaitAsync(NodeProcess.Scaled(TimeSpan.FromSeconds(20)));

        get.Signal(Posix.SigTerm);

        Assert.Equal(130, await get.WaitForExitAsync());
    }
}
