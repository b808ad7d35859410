using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Status;

/// <summary>
/// A node with a status endpoint on 127.0.0.1 port 0, its status port read back from its log
/// (<c>status page on http://127.0.0.1:PORT/</c>), and an HTTP client for it.
/// </summary>
internal sealed partial class StatusNode : IAsyncDisposable
{
    public static readonly string Ecstasy = Paths.Poem("ecstasy.txt");

    private StatusNode(NodeProcess process, TempDeployment file)
    {
        Process = process;
        File = file;
    }

    public NodeProcess Process { get; }

    public TempDeployment File { get; }

    /// <summary>The status port, once <see cref="WaitForStatusAsync"/> has read it from the log.</summary>
    public int StatusPort { get; private set; }

    public string Url => $"http://127.0.0.1:{StatusPort}";

    public HttpClient Http { get; private set; } = new();

    /// <summary>A deployment of a poem server (<c>ecstasy</c>, or <paramref name="poem"/>) and a transform server (<c>xform</c>).</summary>
    public static string Deployment(string? poem = null) => $$"""
        poetry.node.services = [
          { name = ecstasy, kind = fastpoetry, poem = "{{poem ?? Ecstasy}}", port = 0, iface = 127.0.0.1 }
          { name = xform, kind = transform, port = 0, iface = 127.0.0.1 }
        ]
        poetry.status { port = 0, iface = 127.0.0.1 }
        """;

    /// <summary>Starts the node (<paramref name="flags"/> after <c>run FILE</c>) and waits for its status endpoint (not for its services).</summary>
    public static async Task<StatusNode> StartAsync(string hocon, params string[] flags)
    {
        var node = Launch(hocon, flags);
        try
        {
            await node.WaitForStatusAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the node without waiting for anything.</summary>
    public static StatusNode Launch(string hocon, params string[] flags)
    {
        var file = new TempDeployment(hocon);
        return new StatusNode(NodeProcess.Start(["run", file.Path, "--pidfile=", .. flags]), file);
    }

    /// <summary>Waits for the log line that says where the status endpoint is.</summary>
    public async Task WaitForStatusAsync()
    {
        // The line comes before the services start, in a few seconds on a quiet machine; a box
        // loaded tens of times over its cores has been seen to take more than 20.
        var match = await Process.WaitForLineAsync(StatusPageOn(), TimeSpan.FromSeconds(60));
        StatusPort = int.Parse(match.Groups["port"].Value);
        Http.Dispose();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{StatusPort}/"), Timeout = NodeProcess.Scaled(TimeSpan.FromSeconds(20)) };
    }

    /// <summary>Fetches <paramref name="count"/> poems from the port the poem server listens on.</summary>
    public async Task FetchPoemsAsync(int poemPort, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.NotEmpty(await TcpProbe.ReadPoemAsync(poemPort));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
        File.Dispose();
    }

    /// <summary>A port on 127.0.0.1 that refuses connections for as long as the socket lives: bound, never listening.</summary>
    public static Socket RefusingPort(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    [GeneratedRegex(@"status page on http://127\.0\.0\.1:(?<port>\d+)/")]
    public static partial Regex StatusPageOn();
}
