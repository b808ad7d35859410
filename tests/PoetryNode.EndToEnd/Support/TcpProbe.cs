using System.Net;
using System.Net.Sockets;

namespace PoetryNode.EndToEnd.Support;

/// <summary>Small loopback helpers: read a poem to the close, find a free port, tell whether a port is bound.</summary>
public static class TcpProbe
{
    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and reads until the server closes.</summary>
    public static Task<byte[]> ReadPoemAsync(int port, TimeSpan? timeout = null) =>
        PoetryActors.Tests.Support.PoemClient.GetPoemAsync(new IPEndPoint(IPAddress.Loopback, port), NodeProcess.Scaled(timeout ?? TimeSpan.FromSeconds(10)));

    /// <summary>
    /// A loopback port held for the test until disposed: bound, so the kernel gives it to no other
    /// socket (no test or process on the box can take it meanwhile, as they could the number of a
    /// port bound and closed again), but not listening, so a connection to it is refused at once.
    /// Bound with SO_REUSEADDR, as the node's listeners are, so a node told to listen on it can.
    /// </summary>
    public static ReservedPort ReservePort() => new();

    /// <summary>A port held by <see cref="ReservePort"/>; its number is <see cref="Port"/>.</summary>
    public sealed class ReservedPort : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        internal ReservedPort()
        {
            _socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        }

        /// <summary>The port number.</summary>
        public int Port { get; }

        public override string ToString() => Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public void Dispose() => _socket.Dispose();
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
