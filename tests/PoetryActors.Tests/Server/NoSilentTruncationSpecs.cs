using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.TestKit.Xunit2;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Server;
using PoetryActors.Tests.Support;
using Xunit;

namespace PoetryActors.Tests.Server;

/// <summary>
/// In the poem protocol a clean close means "that was the whole poem", so a server must never
/// close cleanly after part of one: a slow but steady reader gets the poem whole however long it
/// takes, and a connection cut for any reason (a client that stopped reading, a stop's drain) is
/// reset, which every client sees as a failure.
/// </summary>
public sealed class NoSilentTruncationSpecs() : TestKit(Config)
{
    // A short stall timeout so that a transfer that takes several of them shows whether the stall
    // counts from the start of the poem or from the client's last read.
    private const string Config = """
        akka.loglevel = INFO
        poetry.listener {
          drain-timeout = 300ms
          stall-timeout = 1s
          send-buffer = 64k
        }
        """;

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private static byte[] LargePoem(int bytes)
    {
        var poem = new byte[bytes];
        for (var i = 0; i < poem.Length; i++)
        {
            poem[i] = (byte)('a' + (i % 26));
        }

        return poem;
    }

    private Task<RunningKind> StartFastAsync(TempPoem poem) =>
        RunningKind.StartAsync(Sys, FastPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = poem.Path,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);

    private Task<RunningKind> StartSlowAsync(TempPoem poem, int numBytes, string delay) =>
        RunningKind.StartAsync(Sys, SlowPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = poem.Path,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["num-bytes"] = numBytes.ToString(),
            ["delay"] = delay,
        }, Deadline);

    /// <summary>A client with a small receive buffer, so the server's sends wait for its reads.</summary>
    private static async Task<Socket> ConnectSmallAsync(IPEndPoint address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 32 * 1024 };
        await socket.ConnectAsync(address);
        return socket;
    }

    [Fact]
    public async Task A_slow_but_steady_reader_of_a_large_poem_gets_it_whole_however_many_stall_timeouts_it_takes()
    {
        using var poem = new TempPoem(LargePoem(3 * 1024 * 1024));
        await using var server = await StartFastAsync(poem);
        using var client = await ConnectSmallAsync(server.Address);

        // About 1.5 MB/s: the poem takes about two seconds, twice the stall timeout, but the client
        // never pauses for long.
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            var count = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (count == 0)
            {
                break;
            }

            received.Write(buffer, 0, count);
            await Task.Delay(10, deadline.Token);
        }

        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.2), $"the transfer took only {clock.Elapsed}: it did not outlast the stall timeout");
        Assert.Equal(poem.Bytes.Length, received.Length);
        Assert.Equal(poem.Bytes, received.ToArray());
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_reset_after_the_stall_timeout_and_the_log_says_how_much_it_took()
    {
        using var poem = new TempPoem(LargePoem(4 * 1024 * 1024));
        await using var server = await StartFastAsync(poem);
        using var client = await ConnectSmallAsync(server.Address);
        var first = await PoemClient.ReadExactlyAsync(client, 1000, Deadline);

        // It reads nothing more: the server gives up after the stall timeout, with a reset.
        await EventFilter.Warning(contains: "the client took no bytes for 1 s (stall-timeout) after ").ExpectOneAsync(Deadline, () => Task.CompletedTask);

        var total = first.Length;
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(Deadline);
        var reset = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (true)
            {
                var count = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (count == 0)
                {
                    break;
                }

                total += count;
            }
        });
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.True(total < poem.Bytes.Length, "the client got the whole poem");
    }

    [Fact]
    public async Task A_stop_during_slow_poem_transfers_resets_every_client_instead_of_closing_cleanly()
    {
        using var poem = new TempPoem(LargePoem(2000));
        var server = await StartSlowAsync(poem, numBytes: 10, delay: "100ms");
        const int clients = 50;
        var sockets = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => PoemClient.ConnectAsync(server.Address)));
        try
        {
            // Every client has its first chunk: all are mid-poem.
            await Task.WhenAll(sockets.Select(s => PoemClient.ReadExactlyAsync(s, 10, Deadline)));

            await server.DisposeAsync(); // the stop: 300 ms of drain, then the cut

            var outcomes = await Task.WhenAll(sockets.Select(async socket =>
            {
                using var deadline = new CancellationTokenSource(Deadline);
                try
                {
                    await PoemClient.ReadToCloseAsync(socket, deadline.Token);
                    return "clean close";
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    return "reset";
                }
            }));
            Assert.Equal(Enumerable.Repeat("reset", clients), outcomes);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task Downloading_a_poem_whose_server_is_stopped_mid_transfer_fails_with_a_reset_instead_of_returning_part_of_it()
    {
        using var poem = new TempPoem(LargePoem(2000));
        var server = await StartSlowAsync(poem, numBytes: 100, delay: "100ms");
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var limits = FetchLimits.Default with { IdleTimeout = TimeSpan.FromSeconds(20) };

        var fetch = PoemFetcher.FetchAsync(server.NetAddress, limits, bytes => received.TrySetResult());
        await received.Task.WaitAsync(Deadline);
        await server.DisposeAsync();

        var failed = Assert.IsType<DownloadFailed>(await fetch.WaitAsync(Deadline));
        Assert.Equal(FetchFailure.Reset, failed.Failure);
        Assert.True(failed.BytesReceived is > 0 and < 2000, $"{failed.BytesReceived} bytes");
    }
}
