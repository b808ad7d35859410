using System.Net;
using System.Net.Sockets;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// The first member of a test cluster of real processes: a remoting port other members can be told
/// before it starts. Port 0 cannot be named in their seed lists, so a free port is found by binding
/// 127.0.0.1:0 and letting it go, and the start is tried again on a fresh port when another
/// process took it meanwhile (the node then exits 1 saying so): sound on a box shared with others.
/// </summary>
public static class ClusterSeed
{
    /// <summary>A port free right now on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Starts <c>poetry-node run</c> on the deployment <paramref name="hocon"/> makes of a free port
    /// (its own only seed, so it forms the cluster), waiting until it serves; returns it and the port.
    /// </summary>
    public static async Task<(NodeProcess Node, int Port)> StartAsync(Func<int, string> hocon, TempDeployment file)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            file.Rewrite(hocon(port));
            var node = NodeProcess.Start(["--pidfile=", "run", file.Path], file.Directory);
            try
            {
                await node.WaitForStartAsync(TimeSpan.FromSeconds(60));
                return (node, port);
            }
            catch (InvalidOperationException) when (attempt < 3 && node.StderrLines.Any(l => l.Contains("address already in use")))
            {
                await node.DisposeAsync();
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }
    }
}
