using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PoetryNode.EndToEnd.Cluster;

/// <summary>
/// Something listening on 127.0.0.1 (port 0, read back) that a client takes for a member's status
/// endpoint or a poem server: each connection gets <see cref="Answer"/>'s bytes after the request's
/// headers (or at once, for a poem), then is closed; a null answer holds the connection open
/// without a word until disposal. For the client's answers to what a real member never sends.
/// </summary>
internal sealed class FakeStatusEndpoint : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];
    private readonly bool _readsRequest;

    private FakeStatusEndpoint(byte[]? answer, bool readsRequest)
    {
        Answer = answer;
        _readsRequest = readsRequest;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>What every connection is sent.</summary>
    public byte[]? Answer { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Its address as <c>--cluster</c> takes a status endpoint.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Answers every request with <paramref name="response"/> (status line, headers and body, as written).</summary>
    public static FakeStatusEndpoint Http(string response) => new(Encoding.UTF8.GetBytes(response), readsRequest: true);

    /// <summary>Answers every request with a 200 of <paramref name="json"/>, with the member header when <paramref name="member"/> is given.</summary>
    public static FakeStatusEndpoint Catalog(string json, string? member = "akka.tcp://poetry@127.0.0.1:1")
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n"
            + (member is null ? "" : $"Poetry-Member: {member}\r\n") + "Connection: close\r\n\r\n";
        return new FakeStatusEndpoint([.. Encoding.UTF8.GetBytes(head), .. body], readsRequest: true);
    }

    /// <summary>Sends <paramref name="poem"/> to whoever connects and closes, as a poem server does.</summary>
    public static FakeStatusEndpoint PoemServer(byte[] poem) => new(poem, readsRequest: false);

    /// <summary>Accepts connections and never answers.</summary>
    public static FakeStatusEndpoint Silent() => new(null, readsRequest: true);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            if (_readsRequest)
            {
                // Up to the end of the request's headers (a GET has no body).
                var seen = new List<byte>();
                var one = new byte[1];
                while (!EndsWithBlankLine(seen) && await stream.ReadAsync(one, _stop.Token) == 1)
                {
                    seen.Add(one[0]);
                }
            }

            if (Answer is null)
            {
                lock (_held)
                {
                    _held.Add(client);
                }

                return;
            }

            await stream.WriteAsync(Answer, _stop.Token);
            client.Client.Shutdown(SocketShutdown.Send);
            client.Dispose();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            client.Dispose();
        }
    }

    private static bool EndsWithBlankLine(List<byte> seen) =>
        seen.Count >= 4 && seen[^4] == '\r' && seen[^3] == '\n' && seen[^2] == '\r' && seen[^1] == '\n';

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
        {
            foreach (var client in _held)
            {
                client.Dispose();
            }
        }

        _stop.Dispose();
    }
}
