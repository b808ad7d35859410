using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Tests.Download;

public sealed class DownloaderActorSpecs(ITestOutputHelper output) : DownloadSpec(output)
{
    [Fact]
    public async Task A_clean_close_is_reported_to_the_parent_as_the_poem_with_its_timings()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));

        Downloader(server.Address);

        var poem = ExpectPoem();
        Assert.Equal(Poem, poem.Poem);
        Assert.Equal(Poem.Length, poem.FetchedBytes);
        Assert.Equal(server.Address, poem.Address);
        Assert.Null(poem.Transform);
        Assert.Equal(TimeSpan.Zero, poem.Timings.Transform);
        Assert.InRange(poem.Timings.Fetch, TimeSpan.Zero, poem.Timings.Total);
    }

    [Fact]
    public void A_refused_connection_is_a_failure_at_connect_naming_the_address()
    {
        var nowhere = ScriptedUpstream.Refusing();

        Downloader(nowhere);

        var failed = ExpectFailure();
        Assert.Equal(DownloadStep.Connect, failed.Step);
        Assert.Equal($"connecting to {nowhere} failed: connection refused", failed.Reason);
        Assert.NotNull(failed.Elapsed);
    }

    [Fact]
    public void An_unknown_host_is_a_failure_at_resolve()
    {
        Downloader(new NetAddress("no-such-host.invalid", 10000));

        var failed = ExpectFailure();
        Assert.Equal(DownloadStep.Resolve, failed.Step);
        Assert.StartsWith("resolving no-such-host.invalid failed:", failed.Reason);
    }

    [Fact]
    public async Task A_reset_is_a_failure_at_read_not_a_short_poem()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.ResetsAfter(Poem[..10]));

        Downloader(server.Address);

        var failed = ExpectFailure();
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.StartsWith($"reading from {server.Address} failed: connection reset after", failed.Reason);
    }

    [Fact]
    public async Task A_silent_server_is_a_failure_after_the_idle_timeout_not_a_hang()
    {
        await using var server = ScriptedUpstream.Start();

        Downloader(server.Address, Quick);

        var failed = ExpectFailure();
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.Equal($"reading from {server.Address} failed: timed out: no data for 0.5 s after 0 bytes", failed.Reason);
    }

    [Fact]
    public async Task A_poem_larger_than_the_largest_allowed_is_a_failure_at_read()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(new byte[4096]));

        Downloader(server.Address);

        var failed = ExpectFailure();
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.Equal($"reading from {server.Address} failed: the poem is larger than 1024 bytes", failed.Reason);
        Assert.True(failed.BytesReceived > 1024);
    }

    [Fact]
    public async Task A_server_that_never_finishes_is_a_failure_at_the_deadline()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Trickles(TimeSpan.FromMilliseconds(50)));
        var settings = Quick with { Limits = Quick.Limits with { Deadline = TimeSpan.FromMilliseconds(600) } };

        Downloader(server.Address, settings);

        var failed = ExpectFailure();
        Assert.Equal(DownloadStep.Read, failed.Step);
        Assert.Contains("the deadline of 0.6 s passed", failed.Reason);
    }

    [Fact]
    public async Task A_slow_server_is_waited_for_and_the_observer_sees_the_bytes_arrive()
    {
        await using var server = ScriptedUpstream.Start(Dribbles(Poem, chunk: 20, TimeSpan.FromMilliseconds(30)));
        var observer = CreateTestProbe();

        Downloader(server.Address, observer: observer, index: 3);

        Assert.Equal(Poem, ExpectPoem().Poem);
        var seen = new List<int>();
        while (seen.LastOrDefault() < Poem.Length)
        {
            var progress = observer.ExpectMsg<DownloadProgress>(Limit);
            Assert.Equal(3, progress.Index);
            Assert.Equal(server.Address, progress.Address);
            seen.Add(progress.Bytes);
        }

        Assert.True(seen.Count > 1, "the bytes should arrive in several reads");
        Assert.Equal(seen.Order(), seen);
    }

    [Fact]
    public async Task The_poem_goes_through_the_transform_server_when_one_is_given()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var xform = ScriptedUpstream.Start(TransformBehaviours.Answers());

        Downloader(server.Address, Patient with { TransformServer = xform.Address });

        var poem = ExpectPoem();
        Assert.Equal(Encoding.UTF8.GetString(Poem).ToLowerInvariant(), Encoding.UTF8.GetString(poem.Poem));
        Assert.Equal(Poem.Length, poem.FetchedBytes);
        Assert.Equal(new TransformReport("cummingsify", xform.Address), poem.Transform);
        Assert.True(poem.Transform!.Succeeded);
    }

    [Fact]
    public async Task The_transform_named_in_the_settings_is_asked_for()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves("the waste land\n"u8.ToArray()));
        await using var xform = ScriptedUpstream.Start(TransformBehaviours.Answers());

        Downloader(server.Address, Patient with { TransformServer = xform.Address, TransformName = "title-case" });

        Assert.Equal("The Waste Land\n", Encoding.UTF8.GetString(ExpectPoem().Poem));
    }

    [Fact]
    public async Task A_refused_transform_keeps_the_original_poem_and_says_why()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        var nowhere = ScriptedUpstream.Refusing();

        Downloader(server.Address, Patient with { TransformServer = nowhere });

        var poem = ExpectPoem();
        Assert.Equal(Poem, poem.Poem);
        Assert.False(poem.Transform!.Succeeded);
        Assert.Equal($"connecting to the transform server {nowhere} failed: connection refused", poem.Transform.FailureReason);
    }

    [Fact]
    public async Task A_transform_server_that_closes_without_a_reply_keeps_the_original_poem()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var xform = ScriptedUpstream.Start(TransformBehaviours.Answers());

        Downloader(server.Address, Patient with { TransformServer = xform.Address, TransformName = "no-such-transform" });

        var poem = ExpectPoem();
        Assert.Equal(Poem, poem.Poem);
        Assert.Contains("closed the connection without a reply", poem.Transform!.FailureReason);
    }

    [Fact]
    public async Task A_silent_transform_server_keeps_the_original_poem_after_the_idle_timeout()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var xform = ScriptedUpstream.Start(TransformBehaviours.NeverAnswers());
        var settings = Patient with { TransformServer = xform.Address, Limits = Patient.Limits with { IdleTimeout = TimeSpan.FromSeconds(1.5) } };

        Downloader(server.Address, settings);

        var poem = ExpectPoem();
        Assert.Equal(Poem, poem.Poem);
        Assert.Contains("timed out: no data for 1.5 s", poem.Transform!.FailureReason);
    }

    [Fact]
    public async Task A_failed_download_is_not_sent_to_the_transform_server()
    {
        await using var xform = ScriptedUpstream.Start(TransformBehaviours.Answers());

        Downloader(ScriptedUpstream.Refusing(), Quick with { TransformServer = xform.Address });

        Assert.Equal(DownloadStep.Connect, ExpectFailure().Step);
        Assert.Equal(0, xform.Connections);
    }

    [Fact]
    public async Task Stopping_a_downloader_closes_its_connection_so_it_never_outlives_its_request()
    {
        await using var server = ScriptedUpstream.Start();
        var downloader = Downloader(server.Address, Patient);
        await server.WaitForConnectionAsync(Limit);
        Watch(downloader);
        Sys.Stop(downloader);

        ExpectTerminated(downloader, Limit);
        Assert.True(await server.WaitForPeerCloseAsync(Limit), "the downloader's connection was not closed");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Stopping_a_downloader_during_its_transform_closes_the_transform_connection()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var xform = ScriptedUpstream.Start();
        var patient = Patient with { TransformServer = xform.Address };

        var downloader = Downloader(server.Address, patient);
        await xform.WaitForConnectionAsync(Limit);
        Sys.Stop(downloader);

        Assert.True(await xform.WaitForPeerCloseAsync(Limit), "the transform connection was not closed");
    }

    /// <summary>Sends <paramref name="poem"/> <paramref name="chunk"/> bytes at a time, pausing between chunks, then closes cleanly.</summary>
    private static Func<Socket, CancellationToken, Task> Dribbles(byte[] poem, int chunk, TimeSpan interval) => async (socket, cancel) =>
    {
        for (var offset = 0; offset < poem.Length; offset += chunk)
        {
            var piece = poem.AsMemory(offset, Math.Min(chunk, poem.Length - offset));
            while (!piece.IsEmpty)
            {
                piece = piece[await socket.SendAsync(piece, SocketFlags.None, cancel)..];
            }

            await Task.Delay(interval, cancel);
        }

        socket.Shutdown(SocketShutdown.Send);
    };

    internal static Func<Socket, CancellationToken, Task> DribblesPoem(byte[] poem) => Dribbles(poem, 20, TimeSpan.FromMilliseconds(20));
}
