using Akka.TestKit.Xunit2;
using PoetryActors.Server;
using PoetryActors.Tests.Support;
using Xunit;

namespace PoetryActors.Tests.Server;

public sealed class SlowPoemServerSpecs : TestKit
{
    private const string Config = """
        akka.loglevel = DEBUG
        poetry.listener.drain-timeout = 1s
        """;

    // 52 bytes: seven chunks of 7 and one of 3.
    private readonly TempPoem _poem = new("Tyger Tyger, burning bright,\nIn the forests of the n");

    public SlowPoemServerSpecs() : base(Config) { }

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private Task<RunningKind> StartAsync(int numBytes, string delay) =>
        RunningKind.StartAsync(Sys, SlowPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = _poem.Path,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["num-bytes"] = numBytes.ToString(),
            ["delay"] = delay,
        }, Deadline);

    [Fact]
    public async Task The_poem_arrives_num_bytes_at_a_time_byte_exact_and_the_close_comes_one_delay_after_the_last_chunk()
    {
        await using var server = await StartAsync(numBytes: 7, delay: "150ms");
        var delay = TimeSpan.FromMilliseconds(150);

        var (poem, reads, closedAt) = await PoemClient.GetPoemInReadsAsync(server.Address, Deadline);

        Assert.Equal(_poem.Bytes, poem);
        Assert.True(reads.Count > 1, "the poem came in one read");
        // A slow reader may find several chunks waiting, but a read never ends inside a chunk.
        var received = 0;
        foreach (var read in reads)
        {
            received += read.Count;
            Assert.True(received % 7 == 0 || received == poem.Length, $"a read ended after byte {received}, inside a chunk");
        }
        // Eight chunks: the first at once, then one every delay (the last at 7 delays), and the close
        // one delay after the last, at 8 delays. Only this lower bound is checked: on a busy machine
        // the client may read the last chunk late, which shrinks the gap it sees before the close.
        Assert.True(closedAt >= 8 * delay * 0.9, $"closed after {closedAt.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Two_hundred_concurrent_slow_clients_all_get_the_whole_poem()
    {
        // About a second per client: served one at a time, as the original did, this takes minutes.
        await using var server = await StartAsync(numBytes: 8, delay: "150ms");

        var poems = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(_ => PoemClient.GetPoemAsync(server.Address, Deadline)));

        Assert.All(poems, poem => Assert.Equal(_poem.Bytes, poem));
    }

    [Fact]
    public async Task A_client_that_leaves_early_ends_only_its_own_transfer()
    {
        await using var server = await StartAsync(numBytes: 7, delay: "100ms");

        await EventFilter.Debug(contains: "ended early").ExpectOneAsync(Deadline, async () =>
        {
            var staying = Enumerable.Range(0, 3).Select(_ => PoemClient.GetPoemAsync(server.Address, Deadline)).ToList();
            using (var leaving = await PoemClient.ConnectAsync(server.Address))
            {
                Assert.Equal(_poem.Bytes[..7], await PoemClient.ReadExactlyAsync(leaving, 7, Deadline));
            }

            // The server notices at its next sends and stops that transfer; the others go on.
            foreach (var poem in await Task.WhenAll(staying))
            {
                Assert.Equal(_poem.Bytes, poem);
            }
        });
    }

    [Fact]
    public async Task With_no_delay_the_chunks_go_out_back_to_back()
    {
        await using var server = await StartAsync(numBytes: 5, delay: "0");

        var poem = await PoemClient.GetPoemAsync(server.Address, Deadline);

        Assert.Equal(_poem.Bytes, poem);
    }

    [Fact]
    public void The_kind_refuses_fewer_than_one_byte_at_a_time()
    {
        var parsed = SlowPoetryKind.Kind.Parse(new Dictionary<string, string> { ["poem"] = _poem.Path, ["num-bytes"] = "0" });

        Assert.Null(parsed.Options);
        Assert.Contains(parsed.Problems, p => p.Key == "num-bytes");
    }

    [Fact]
    public void The_kind_takes_the_original_defaults()
    {
        var options = SlowPoetryKind.Kind.Parse(new Dictionary<string, string> { ["poem"] = _poem.Path }).Options!;

        Assert.Equal(10001, options.GetInt("port"));
        Assert.Equal("localhost", options.GetString("iface"));
        Assert.Equal(10, options.GetInt("num-bytes"));
        Assert.Equal(TimeSpan.FromSeconds(0.7), options.GetDuration("delay"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _poem.Dispose();
        }
    }
}
