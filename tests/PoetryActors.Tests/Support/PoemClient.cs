using System.Net;
using System.Net.Sockets;

namespace PoetryActors.Tests.Support;

/// <summary>
/// A poem client for tests, as the tutorial's: connect, read to the close, return the bytes.
/// Every step has a deadline, so a server that holds a connection fails the test instead of hanging it.
/// </summary>
public static class PoemClient
{
    /// <summary>The longest a fetch may take before the test fails.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Fetches the poem served at <paramref name="address"/>.</summary>
    public static async Task<byte[]> FetchAsync(IPEndPoint address)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address, deadline.Token);
        return await ReadToCloseAsync(socket, deadline.Token);
    }

    /// <summary>Reads <paramref name="socket"/> until the peer closes it.</summary>
    public static async Task<byte[]> ReadToCloseAsync(Socket socket, CancellationToken cancel)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int count;
        while ((count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel)) > 0)
            received.Write(buffer, 0, count);
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
}
