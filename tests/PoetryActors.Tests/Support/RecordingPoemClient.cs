using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PoetryActors.Tests.Support;

/// <summary>
/// A poem protocol client for tests that look at how a poem arrives: it records every read and
/// when it came, and can hold a connection open or leave early. Every step has a deadline.
/// </summary>
internal static class RecordingPoemClient
{
    /// <summary>One read: when it returned (from the connect) and how many bytes it brought.</summary>
    public sealed record Read(TimeSpan At, int Count);

    /// <summary>Everything the server sent before its clean close; a reset or the deadline throws.</summary>
    public static async Task<byte[]> GetPoemAsync(IPEndPoint server, TimeSpan deadline)
    {
        var (poem, _, _) = await GetPoemInReadsAsync(server, deadline);
        return poem;
    }

    /// <summary>The poem, every read it took, and when the server closed.</summary>
    public static async Task<(byte[] Poem, IReadOnlyList<Read> Reads, TimeSpan ClosedAt)> GetPoemInReadsAsync(IPEndPoint server, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        using var socket = await ConnectAsync(server, timeout.Token);
        var clock = Stopwatch.StartNew();
        var poem = new MemoryStream();
        var reads = new List<Read>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (count == 0) return (poem.ToArray(), reads, clock.Elapsed);
            reads.Add(new Read(clock.Elapsed, count));
            poem.Write(buffer, 0, count);
        }
    }

    /// <summary>A connected socket, for tests that hold a connection or leave early.</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint server, CancellationToken cancel = default)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server, cancel);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var bytes = new byte[count];
        var offset = 0;
        while (offset < count)
        {
            var read = await socket.ReceiveAsync(bytes.AsMemory(offset), SocketFlags.None, timeout.Token);
            if (read == 0) throw new IOException($"the server closed after {offset} of {count} bytes");
            offset += read;
        }
        return bytes;
    }
}
