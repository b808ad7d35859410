using System.Net;
using System.Net.Sockets;

namespace PoetryNode.EndToEnd.Support;

/// <summary>Small loopback helpers: read a poem to the close, find a free port, tell whether a port is bound.</summary>
public static class TcpProbe
{
    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and reads until the server closes.</summary>
    public static Task<byte[]> ReadPoemAsync(int port, TimeSpan? timeout = null) =>
        PoetryActors.Tests.Support.PoemClient.GetPoemAsync(new IPEndPoint(IPAddress.Loopback, port), NodeProcess.Scaled(timeout ?? TimeSpan.FromSeconds(10)));

    /// <summary>A port that was free a moment ago (for tests that need a known port number, such as "port in use").</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
