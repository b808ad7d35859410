using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PoetryActors.Tests.Support;

/// <summary>
/// The one poem client of the tests, as the tutorial's: connect, read to the close, return the
/// bytes; for the tests that look at how a poem arrives it also records every read and when it
/// came, and can hold a connection open, leave early or reset. Every step has a deadline, so a
/// server that holds a connection fails the test instead of hanging it. The end-to-end tests
/// compile the same file.
/// </summary>
public static class PoemClient
{
    /// <summary>The longest a fetch may take before the test fails.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Fetches the poem served at <paramref name="address"/> within <see cref="Deadline"/>.</summary>
    public static Task<byte[]> FetchAsync(IPEndPoint address) => GetPoemAsync(address, Deadline);

    /// <summary>Reads <paramref name="socket"/> until the peer closes it.</summary>
    public static async Task<byte[]> ReadToCloseAsync(Socket socket, CancellationToken cancel)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int count;
        while ((count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel)) > 0)
        {
            received.Write(buffer, 0, count);
        }

        return received.ToArray();
    }

    /// <summary>Connects, then resets the connection at once (linger 0, then close): a rude client.</summary>
    public static async Task ConnectAndResetAsync(IPEndPoint address)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address, deadline.Token);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Whether a connection to <paramref name="address"/> is refused (nothing listens there any more).</summary>
    public static async Task<bool> IsRefusedAsync(IPEndPoint address)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address, deadline.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Queued on a listening socket that closed under it: the port is closing, not yet closed.
            return false;
        }
    }

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
            if (count == 0)
            {
                return (poem.ToArray(), reads, clock.Elapsed);
            }

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
            if (read == 0)
            {
                throw new IOException($"the server closed after {offset} of {count} bytes");
            }

            offset += read;
        }
        return bytes;
    }
}
