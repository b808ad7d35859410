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

    private StatusNode(NodeProcess process, TempDeployment file, int statusPort)
    {
        Process = process;
        File = file;
        StatusPort = statusPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}/"), Timeout = NodeProcess.Scaled(TimeSpan.FromSeconds(20)) };
    }

    public NodeProcess Process { get; }

    public TempDeployment File { get; }

    public int StatusPort { get; }

    public string Url => $"http://127.0.0.1:{StatusPort}";

    public HttpClient Http { get; }

    /// <summary>A deployment of a poem server (<c>ecstasy</c>, or <paramref name="poem"/>) and a transform server (<c>xform</c>).</summary>
    public static string Deployment(string? poem = null) => $$"""
        poetry.node.services = [
          { name = ecstasy, kind = fastpoetry, poem = "{{poem ?? Ecstasy}}", port = 0, iface = 127.0.0.1 }
          { name = xform, kind = transform, port = 0, iface = 127.0.0.1 }
        ]
        poetry.status { port = 0, iface = 127.0.0.1 }
        """;

    /// <summary>Starts the node and waits for its status endpoint (not for its services).</summary>
    public static async Task<StatusNode> StartAsync(string hocon)
    {
        var file = new TempDeployment(hocon);
        var process = NodeProcess.Start("run", file.Path, "--pidfile=");
        try
        {
            var match = await process.WaitForLineAsync(StatusPageOn());
            return new StatusNode(process, file, int.Parse(match.Groups["port"].Value));
        }
        catch
        {
            await process.DisposeAsync();
            file.Dispose();
            throw;
        }
    }

    /// <summary>Fetches <paramref name="count"/> poems from the port the poem server listens on.</summary>
    public async Task FetchPoemsAsync(int poemPort, int count)
    {
        for (var i = 0; i < count; i++)
            Assert.NotEmpty(await TcpProbe.ReadPoemAsync(poemPort));
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
