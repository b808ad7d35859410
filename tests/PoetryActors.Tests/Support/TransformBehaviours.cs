using System.Collections.Concurrent;
using System.Net.Sockets;
using PoetryActors.Transform;
using PoetryActors.Wire;

namespace PoetryActors.Tests.Support;

/// <summary>
/// Behaviours for a <see cref="ScriptedUpstream"/> that plays a transform server: read one
/// netstring request, then answer it, refuse it (close with zero bytes, as ours and the original
/// do), or answer something broken. Requests are recorded for the test to look at.
/// </summary>
internal static class TransformBehaviours
{
    /// <summary>Answers each request with our transforms (cummingsify lowercases), or closes with zero bytes when it cannot.</summary>
    public static Func<Socket, CancellationToken, Task> Answers(ConcurrentQueue<byte[]>? requests = null)
    {
        var processor = new TransformRequestProcessor(TransformRegistry.Default);
        return async (socket, cancel) =>
        {
            if (await ReadRequestAsync(socket, requests, cancel) is not { } request)
            {
                return;
            }

            if (processor.TryProcessToNetstring(request, out var reply, out _))
            {
                await SendAllAsync(socket, reply, cancel);
            }

            socket.Shutdown(SocketShutdown.Send);
        };
    }

    /// <summary>Reads the request, then sends <paramref name="raw"/> (whatever it is) and closes.</summary>
    public static Func<Socket, CancellationToken, Task> Replies(byte[] raw, ConcurrentQueue<byte[]>? requests = null) =>
        async (socket, cancel) =>
        {
            if (await ReadRequestAsync(socket, requests, cancel) is null)
            {
                return;
            }

            await SendAllAsync(socket, raw, cancel);
            socket.Shutdown(SocketShutdown.Send);
        };

    /// <summary>Reads the request and never answers (the client's idle timeout must end it).</summary>
    public static Func<Socket, CancellationToken, Task> NeverAnswers() =>
        async (socket, cancel) =>
        {
            await ReadRequestAsync(socket, null, cancel);
            await Task.Delay(Timeout.Infinite, cancel);
        };

    private static async Task<byte[]?> ReadRequestAsync(Socket socket, ConcurrentQueue<byte[]>? requests, CancellationToken cancel)
    {
        var decoder = new NetstringDecoder(1024 * 1024);
        var buffer = new byte[4096];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            if (read == 0)
            {
                return null;
            }

            switch (decoder.Decode(buffer.AsSpan(0, read), out _, out var frame))
            {
                case NetstringDecodeStatus.FrameDecoded:
                    requests?.Enqueue(frame!);
                    return frame;
                case NetstringDecodeStatus.Failed:
                    return null;
            }
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None, cancel)..];
        }
    }
}
