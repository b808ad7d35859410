using System.Net.Sockets;
using System.Text;
using PoetryActors.Download;
using PoetryActors.Tests.Support;
using Xunit;
using static PoetryActors.Download.FetchResult;

namespace PoetryActors.Tests.Download;

public sealed class PoemFetcherSpecs
{
    private static readonly byte[] Poem = Encoding.UTF8.GetBytes("Do not go gentle into that good night,\nOld age should burn and rave at close of day;\n");

    // Short limits so the failures come quickly; a generous safety net around every fetch.
    private static readonly FetchLimits Quick = new(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 1024);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    // For the scenarios where the server pauses on purpose: no timeout a loaded machine could hit.
    private static readonly FetchLimits Patient = Quick with { IdleTimeout = TimeSpan.FromSeconds(10), Deadline = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task A_clean_close_is_success_with_every_byte()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Quick).WaitAsync(Limit);

        var fetched = Assert.IsType<Fetched>(result);
        Assert.Equal(Poem, fetched.Poem);
        Assert.Equal(upstream.Address, fetched.Address);
    }

    [Fact]
    public async Task A_clean_close_without_a_byte_is_a_failed_read_that_says_no_poem_came()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves([]));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.Equal(FetchFailure.Empty, failed.Failure);
        Assert.Equal($"reading from {upstream.Address} failed: the server closed without sending a poem", failed.Reason);
    }

    [Fact]
    public async Task A_refused_connection_fails_at_connect()
    {
        var nowhere = ScriptedUpstream.Refusing();

        var result = await PoemFetcher.FetchAsync(nowhere, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(DownloadStep.Connect, failed.Step);
        Assert.Equal(FetchFailure.Refused, failed.Failure);
        Assert.Equal($"connecting to {nowhere} failed: connection refused", failed.Reason);
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_the_poem_fails_at_read()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.ResetsAfter(Poem[..20]));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.Equal(FetchFailure.Reset, failed.Failure);
        Assert.InRange(failed.BytesReceived, 0, 20);
        Assert.StartsWith($"reading from {upstream.Address} failed: connection reset after", failed.Reason);
    }

    [Fact]
    public async Task A_silent_server_fails_after_the_idle_timeout()
    {
        await using var upstream = ScriptedUpstream.Start();

        var result = await PoemFetcher.FetchAsync(upstream.Address, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.Equal(FetchFailure.IdleTimedOut, failed.Failure);
        Assert.Equal($"reading from {upstream.Address} failed: timed out: no data for 0.5 s after 0 bytes", failed.Reason);
    }

    [Fact]
    public async Task A_server_that_never_finishes_fails_at_the_deadline()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Trickles(TimeSpan.FromMilliseconds(50)));
        var limits = Quick with { IdleTimeout = TimeSpan.FromSeconds(5), Deadline = TimeSpan.FromMilliseconds(600) };

        var result = await PoemFetcher.FetchAsync(upstream.Address, limits).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(FetchFailure.DeadlinePassed, failed.Failure);
        Assert.Contains("the deadline of 0.6 s passed", failed.Reason);
    }

    [Fact]
    public async Task A_poem_larger_than_the_limit_fails()
    {
        var big = new byte[5000];
        Array.Fill(big, (byte)'a');
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(big));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(FetchFailure.TooLarge, failed.Failure);
        Assert.Equal($"reading from {upstream.Address} failed: the poem is larger than 1024 bytes", failed.Reason);
    }

    [Fact]
    public async Task A_poem_whose_later_bytes_come_in_pieces_is_read_whole()
    {
        // After the first bytes the fetcher waits with its one-byte probe: a one-byte piece, a
        // larger one behind it, and the close must all still end up in the poem, in order.
        await using var upstream = ScriptedUpstream.Start(SendsInPieces(Poem, [10, 1, 30], TimeSpan.FromMilliseconds(30)));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Patient).WaitAsync(Limit);

        Assert.True(result is Fetched, (result as DownloadFailed)?.Reason);
        Assert.Equal(Poem, ((Fetched)result).Poem);
    }

    [Fact]
    public async Task A_poem_that_grows_past_the_limit_in_later_pieces_fails()
    {
        var big = new byte[1100];
        Array.Fill(big, (byte)'a');
        await using var upstream = ScriptedUpstream.Start(SendsInPieces(big, [1000, 1, 50], TimeSpan.FromMilliseconds(30)));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Patient).WaitAsync(Limit);

        var failed = Assert.IsType<DownloadFailed>(result);
        Assert.Equal(FetchFailure.TooLarge, failed.Failure);
        Assert.Equal($"reading from {upstream.Address} failed: the poem is larger than 1024 bytes", failed.Reason);
    }

    [Fact]
    public async Task A_poem_of_exactly_the_limit_is_accepted()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(new byte[1024]));

        var result = await PoemFetcher.FetchAsync(upstream.Address, Quick).WaitAsync(Limit);

        Assert.Equal(1024, Assert.IsType<Fetched>(result).Poem.Length);
    }

    [Fact]
    public async Task The_callers_cancellation_throws_and_closes_the_connection()
    {
        await using var upstream = ScriptedUpstream.Start();
        using var cancel = new CancellationTokenSource();

        var fetch = PoemFetcher.FetchAsync(upstream.Address, Quick with { IdleTimeout = TimeSpan.FromSeconds(5) }, cancel.Token);
        await upstream.WaitForConnectionAsync(Limit);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch.WaitAsync(Limit));
        Assert.True(await upstream.WaitForPeerCloseAsync(Limit), "the upstream connection was not closed");
    }

    [Fact]
    public void The_limits_default_to_reference_conf()
    {
        var limits = FetchLimits.Default;

        Assert.Equal(TimeSpan.FromSeconds(5), limits.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), limits.Deadline);
        Assert.Equal(1048576, limits.MaxPoemBytes);
    }

    /// <summary>Sends <paramref name="poem"/> in pieces of the given sizes (then the rest), <paramref name="pause"/> apart, and closes.</summary>
    private static Func<Socket, CancellationToken, Task> SendsInPieces(byte[] poem, int[] pieces, TimeSpan pause) => async (socket, cancel) =>
    {
        var sent = 0;
        foreach (var size in pieces.Append(poem.Length))
        {
            var piece = poem.AsMemory(sent, Math.Min(size, poem.Length - sent));
            while (!piece.IsEmpty)
            {
                piece = piece[await socket.SendAsync(piece, SocketFlags.None, cancel)..];
            }

            sent += Math.Min(size, poem.Length - sent);
            if (sent == poem.Length)
            {
                break;
            }

            await Task.Delay(pause, cancel);
        }

        socket.Shutdown(SocketShutdown.Send);
    };
}
