using System.Net;
using System.Net.Sockets;
using PoetryActors.Listening;
using Xunit;

namespace PoetryActors.Tests.Listening;

/// <summary>
/// The graceful close of a served connection: the client gets every byte and the end of the poem,
/// the server keeps the socket until the client has closed too, and the closing work is done a
/// little at a time by the accept thread (ReleaseSome) or by the closer's own timer, which sleeps
/// while nothing waits.
/// </summary>
public sealed class GracefulCloserSpecs : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly byte[] Poem = "Where, like a pillow on a bed\n"u8.ToArray();

    // Long enough that no sweep runs during a test that wants only ReleaseSome to close.
    private static readonly TimeSpan NoSweep = TimeSpan.FromHours(1);

    private readonly Socket _listening = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _sockets = [];
    private int _released;

    public GracefulCloserSpecs()
    {
        _listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listening.Listen(16);
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _listening.Dispose();
    }

    [Fact]
    public async Task The_accept_thread_releases_a_connection_at_once_when_its_client_has_closed()
    {
        using var closer = new GracefulCloser(TimeSpan.FromSeconds(30), Released, NoSweep);
        var (client, served) = await ConnectAsync();

        served.Send(Poem);
        closer.Close(served);
        Assert.Equal(Poem, await ReadToEndAsync(client));
        client.Dispose();
        await WaitUntilAsync(() => ClientCloseArrived(served));

        closer.ReleaseSome(2);
        Assert.Equal(1, Volatile.Read(ref _released));
        Assert.Equal(0, closer.Count);
    }

    [Fact]
    public async Task A_connection_whose_client_is_still_open_is_kept_and_released_once_the_client_closes()
    {
        using var closer = new GracefulCloser(TimeSpan.FromSeconds(30), Released, NoSweep);
        var (client, served) = await ConnectAsync();

        // The client has the whole poem and its end, but has not closed: the server keeps the socket.
        served.Send(Poem);
        closer.Close(served);
        Assert.Equal(Poem, await ReadToEndAsync(client));
        closer.ReleaseSome(2);
        Assert.Equal(0, Volatile.Read(ref _released));
        Assert.Equal(1, closer.Count);

        client.Dispose();
        await WaitUntilAsync(() => ClientCloseArrived(served));
        closer.ReleaseSome(2);
        Assert.Equal(1, Volatile.Read(ref _released));
    }

    [Fact]
    public async Task A_client_that_keeps_sending_cannot_hold_the_accept_thread_in_its_reads()
    {
        using var closer = new GracefulCloser(TimeSpan.FromSeconds(30), Released, NoSweep);
        var (client, served) = await ConnectAsync();
        served.Send(Poem);
        closer.Close(served);

        // The client sends without pause while the server visits it: each visit reads a bounded
        // amount and returns, and the connection stays open for the client to close.
        using var stop = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.SendAsync(chunk, SocketFlags.None, stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The test is over.
            }
        });
        var visits = Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                closer.ReleaseSome(2);
            }
        });
        await visits.WaitAsync(Deadline);
        Assert.Equal(0, Volatile.Read(ref _released));
        Assert.Equal(1, closer.Count);
        await stop.CancelAsync();
        client.Dispose();
        await flood.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Without_accepts_the_timer_releases_the_closed_connections_then_sleeps_until_one_waits_again()
    {
        using var closer = new GracefulCloser(TimeSpan.FromSeconds(30), Released);
        Assert.False(closer.SweepScheduled);

        var (client, served) = await ConnectAsync();
        closer.Close(served);
        Assert.True(closer.SweepScheduled);
        await ReadToEndAsync(client);
        client.Dispose();
        await WaitUntilAsync(() => Volatile.Read(ref _released) == 1);
        await WaitUntilAsync(() => !closer.SweepScheduled);

        var (_, next) = await ConnectAsync();
        closer.Close(next);
        Assert.True(closer.SweepScheduled);
    }

    [Fact]
    public async Task A_client_that_never_closes_is_released_after_the_close_timeout()
    {
        using var closer = new GracefulCloser(TimeSpan.FromMilliseconds(200), Released);
        var (client, served) = await ConnectAsync();
        served.Send(Poem);
        closer.Close(served);
        Assert.Equal(Poem, await ReadToEndAsync(client));

        await WaitUntilAsync(() => Volatile.Read(ref _released) == 1);
        Assert.Equal(0, closer.Count);
    }

    private void Released() => Interlocked.Increment(ref _released);

    private async Task<(Socket Client, Socket Served)> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(client);
        using var deadline = new CancellationTokenSource(Deadline);
        await client.ConnectAsync(_listening.LocalEndPoint!, deadline.Token);
        var served = await _listening.AcceptAsync(deadline.Token);
        _sockets.Add(served);
        return (client, served);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket client)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var all = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            all.Write(buffer, 0, read);
        }
        return all.ToArray();
    }

    // The client's FIN has reached the server's socket (it polls readable), so a visit can see it.
    private static bool ClientCloseArrived(Socket served)
    {
        try
        {
            return served.Poll(0, SelectMode.SelectRead);
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not come true within the deadline");
            await Task.Delay(10);
        }
    }
}
