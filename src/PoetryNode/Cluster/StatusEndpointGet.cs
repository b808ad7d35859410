using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PoetryNode.Cluster;

/// <summary>
/// One <c>GET</c> of a path on a member's status endpoint over a plain socket: an HTTP/1.0
/// request (so the server sends one answer, delimited by its Content-Length or by its close,
/// never chunked, and closes), its status line and headers read and checked, then at most
/// <see cref="MaxHeadBytes"/> of head and a body bounded by the caller. Why not HttpClient:
/// its first request loads and compiles its handler, connection pool and parser at every start
/// of the command, about 65 ms of CPU of a one-poem <c>get --cluster http://...</c> (perf with
/// DOTNET_PerfMapEnabled, 300 methods compiled by DOTNET_JitStdOutFile), which is what kept
/// 1,000 poems by name below 0.9x the poems/s of the same addresses
/// (tests/benchmarks/run-cluster-bench.sh); this client uses the socket code the downloads
/// use anyway. It speaks to our own endpoint (<see cref="CatalogJsonEndpoint"/>) and refuses
/// what that never sends. Every way it fails is a <see cref="Failure"/> with the reason.
/// </summary>
internal static class StatusEndpointGet
{
    /// <summary>The largest status line and headers read (HttpClient's default limit too).</summary>
    public const int MaxHeadBytes = 64 * 1024;

    /// <summary>What a GET got: the answer's head, the connection to read its body from, or why there is none.</summary>
    public abstract record Result;

    /// <summary>
    /// The status line and headers (names compared ignoring case; a header given on several
    /// lines has several values), and the socket positioned at the body, with what of the body
    /// arrived with the head in <paramref name="BodyStart"/>.
    /// </summary>
    public sealed record Answered(int Status, string Reason, IReadOnlyDictionary<string, List<string>> Headers, Socket Socket, byte[] BodyStart) : Result, IDisposable
    {
        /// <summary>The Content-Length header, or null when there is none (the body then ends at the close).</summary>
        public long? ContentLength { get; init; }

        /// <summary>Closes the connection.</summary>
        public void Dispose() => Socket.Dispose();
    }

    /// <summary>No answer: <paramref name="Reason"/> says why, <paramref name="NotHttp"/> when what came was not HTTP.</summary>
    public sealed record Failure(string Reason, bool NotHttp = false) : Result;

    /// <summary>
    /// Connects to <paramref name="endpoint"/> (http://HOST:PORT/), asks for <paramref name="path"/>
    /// and reads the answer's head. <paramref name="deadline"/> bounds it all: its cancellation
    /// throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<Result> GetAsync(Uri endpoint, string path, CancellationToken deadline)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var handedOver = false;
        try
        {
            EndPoint remote = IPAddress.TryParse(endpoint.DnsSafeHost, out var ip) ? new IPEndPoint(ip, endpoint.Port) : new DnsEndPoint(endpoint.DnsSafeHost, endpoint.Port);
            try
            {
                await socket.ConnectAsync(remote, deadline).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                return new Failure(ConnectFailure(e));
            }

            var request = $"GET {path} HTTP/1.0\r\nHost: {endpoint.Authority}\r\nAccept: application/json\r\nUser-Agent: poetry-node\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, deadline).ConfigureAwait(false);
            var result = await ReadHeadAsync(socket, deadline).ConfigureAwait(false);
            handedOver = result is Answered;
            return result;
        }
        catch (SocketException e)
        {
            return new Failure(e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
                ? "the connection was reset before an answer"
                : OneLine(e.Message));
        }
        finally
        {
            if (!handedOver)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// The body of <paramref name="answer"/>: exactly its Content-Length, or up to the close; null
    /// when it would be longer than <paramref name="maxBytes"/>. A connection that ends or breaks
    /// before the Content-Length throws <see cref="IOException"/> saying so.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(Answered answer, long maxBytes, CancellationToken deadline)
    {
        if (answer.ContentLength > maxBytes)
        {
            return null;
        }

        var expected = answer.ContentLength;
        using var body = new MemoryStream((int)Math.Min(expected ?? 64 * 1024, maxBytes));
        body.Write(answer.BodyStart, 0, (int)Math.Min(answer.BodyStart.Length, expected ?? long.MaxValue));
        var chunk = new byte[64 * 1024];
        while (expected is null || body.Length < expected)
        {
            int read;
            try
            {
                read = await answer.Socket.ReceiveAsync(chunk, SocketFlags.None, deadline).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new IOException(e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted ? $"connection reset after {body.Length} bytes" : OneLine(e.Message), e);
            }

            if (read == 0)
            {
                if (expected is not null)
                {
                    throw new IOException($"the connection closed after {body.Length} of {expected} bytes");
                }

                break;
            }

            if (body.Length + read > maxBytes)
            {
                return null;
            }

            body.Write(chunk, 0, (int)Math.Min(read, (expected ?? long.MaxValue) - body.Length));
        }

        return new ReadOnlyMemory<byte>(body.GetBuffer(), 0, (int)body.Length);
    }

    /// <summary>Up to <paramref name="count"/> bytes of <paramref name="answer"/>'s body (fewer if it ends first), for a refusal's first words.</summary>
    public static async Task<string> ReadStartAsync(Answered answer, int count, CancellationToken deadline)
    {
        var start = new byte[count];
        var have = Math.Min(count, answer.BodyStart.Length);
        answer.BodyStart.AsSpan(0, have).CopyTo(start);
        try
        {
            while (have < count)
            {
                var read = await answer.Socket.ReceiveAsync(start.AsMemory(have), SocketFlags.None, deadline).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                have += read;
            }
        }
        catch (SocketException)
        {
            // What arrived is all there is to read.
        }

        var length = (int)Math.Min(have, answer.ContentLength ?? have);
        return Encoding.UTF8.GetString(start, 0, length);
    }

    private static async Task<Result> ReadHeadAsync(Socket socket, CancellationToken deadline)
    {
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return Parse(socket, buffer.AsSpan(0, end), buffer.AsSpan(end + 4, length - end - 4).ToArray());
            }

            // A poem port or anything else that is not HTTP shows itself in its first bytes.
            if (length >= 5 && !buffer.AsSpan(0, 5).SequenceEqual("HTTP/"u8))
            {
                return new Failure(NotHttp, NotHttp: true);
            }

            if (length == MaxHeadBytes)
            {
                return new Failure("answered headers larger than HTTP's limits");
            }

            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxHeadBytes));
            }

            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, deadline).ConfigureAwait(false);
            if (read == 0)
            {
                return new Failure(NotHttp, NotHttp: true);
            }

            length += read;
        }
    }

    private const string NotHttp = "did not answer HTTP (is this a member's status port, not its remoting or a poem port?)";

    private static Result Parse(Socket socket, ReadOnlySpan<byte> head, byte[] bodyStart)
    {
        // Header bytes outside ASCII are not ours to read: Latin-1 keeps them one char each.
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        // HTTP/1.x SSS Reason
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || status[1].Length != 3
            || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 100)
        {
            return new Failure(NotHttp, NotHttp: true);
        }

        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || char.IsWhiteSpace(line[0]))
            {
                return new Failure(NotHttp, NotHttp: true);
            }

            var name = line[..colon].Trim();
            if (!headers.TryGetValue(name, out var values))
            {
                headers[name] = values = [];
            }

            values.Add(line[(colon + 1)..].Trim());
        }

        long? contentLength = null;
        if (headers.TryGetValue("Content-Length", out var lengths))
        {
            if (lengths.Distinct().Count() != 1 || !long.TryParse(lengths[0], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return new Failure(NotHttp, NotHttp: true);
            }

            contentLength = parsed;
        }

        // The request is HTTP/1.0: a server that chunks the answer anyway is not the status endpoint.
        if (headers.TryGetValue("Transfer-Encoding", out var encodings) && encodings.Any(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)))
        {
            return new Failure($"answered an HTTP/1.0 request with Transfer-Encoding: {string.Join(", ", encodings)}");
        }

        return new Answered(code, status.Length > 2 ? status[2] : "", headers, socket, bodyStart) { ContentLength = contentLength };
    }

    private static string ConnectFailure(SocketException socket) => socket.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (is the member running, with a status port?)",
        SocketError.HostNotFound or SocketError.NoData => "no such host",
        SocketError.TimedOut => "no connection (timed out by the operating system)",
        _ => OneLine(socket.Message),
    };

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
