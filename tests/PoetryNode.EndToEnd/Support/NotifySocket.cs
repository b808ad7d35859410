using System.Net.Sockets;
using System.Text;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// The service manager's end of sd_notify, as systemd sets it up for a <c>Type=notify</c> unit: a
/// unix datagram socket whose path the node finds in <c>$NOTIFY_SOCKET</c>. Collects what the node
/// sends (<c>READY=1</c>, <c>STOPPING=1</c>); disposing it closes and deletes the socket.
/// </summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _folder;

    public NotifySocket()
    {
        _folder = Directory.CreateTempSubdirectory("poetry-notify-").FullName;
        Path = System.IO.Path.Combine(_folder, "notify");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
    }

    /// <summary>The socket's path, for <c>NOTIFY_SOCKET</c>.</summary>
    public string Path { get; }

    /// <summary>Waits for the next message; fails at the deadline.</summary>
    public async Task<string> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(NodeProcess.Scaled(timeout ?? TimeSpan.FromSeconds(20)));
        var buffer = new byte[4096];
        try
        {
            var count = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, count);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no sd_notify message within the deadline");
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
