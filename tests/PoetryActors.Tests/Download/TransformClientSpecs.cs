using System.Collections.Concurrent;
using System.Text;
using PoetryActors.Download;
using PoetryActors.Tests.Support;
using Xunit;

namespace PoetryActors.Tests.Download;

public sealed class TransformClientSpecs
{
    private static readonly byte[] Poem = Encoding.UTF8.GetBytes("HERE IS MY POEM,\nÉTÉ AND ΣΟΦΟΣ\n");
    private static readonly FetchLimits Quick = new(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 64 * 1024);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_request_is_one_netstring_of_name_dot_poem_and_the_reply_is_the_transformed_poem()
    {
        var requests = new ConcurrentQueue<byte[]>();
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Answers(requests));

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick).WaitAsync(Limit);

        var transformed = Assert.IsType<TransformResult.Transformed>(result);
        Assert.Equal("here is my poem,\nété and σοφος\n", Encoding.UTF8.GetString(transformed.Poem));
        Assert.True(requests.TryDequeue(out var request));
        Assert.Equal("cummingsify."u8.ToArray().Concat(Poem), request);
    }

    [Fact]
    public async Task An_empty_poem_comes_back_empty()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Answers());

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Array.Empty<byte>(), Quick).WaitAsync(Limit);

        Assert.Empty(Assert.IsType<TransformResult.Transformed>(result).Poem);
    }

    [Fact]
    public async Task The_first_netstring_received_is_the_result_and_anything_after_it_is_ignored()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Replies("5:first,6:second,"u8.ToArray()));

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick).WaitAsync(Limit);

        Assert.Equal("first"u8.ToArray(), Assert.IsType<TransformResult.Transformed>(result).Poem);
    }

    [Fact]
    public async Task A_close_with_zero_bytes_is_a_refused_transform_not_an_empty_poem()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Answers());

        var result = await TransformClient.TransformAsync(server.Address, "no-such-transform", Poem, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<TransformResult.Failed>(result);
        Assert.StartsWith($"reading from the transform server {server.Address} failed: the server closed the connection without a reply", failed.Reason);
    }

    [Fact]
    public async Task A_reply_cut_short_is_a_failure_saying_how_much_arrived()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Replies("30:only a part"u8.ToArray()));

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick).WaitAsync(Limit);

        var failed = Assert.IsType<TransformResult.Failed>(result);
        Assert.Contains("closed the connection in the middle of the reply, after 14 bytes", failed.Reason);
    }

    [Fact]
    public async Task A_reply_that_is_not_a_netstring_is_a_failure()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Replies("HTTP/1.1 400 Bad Request\r\n"u8.ToArray()));

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick).WaitAsync(Limit);

        Assert.Contains("the reply is not a netstring poem", Assert.IsType<TransformResult.Failed>(result).Reason);
    }

    [Fact]
    public async Task A_reply_larger_than_the_largest_poem_is_a_failure()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Replies("100000:"u8.ToArray()));

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick).WaitAsync(Limit);

        Assert.Contains("the reply is not a netstring poem", Assert.IsType<TransformResult.Failed>(result).Reason);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_after_the_idle_timeout()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.NeverAnswers());

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick).WaitAsync(Limit);

        Assert.Equal(
            $"reading from the transform server {server.Address} failed: timed out: no data for 0.5 s after 0 bytes of the reply",
            Assert.IsType<TransformResult.Failed>(result).Reason);
    }

    [Fact]
    public async Task A_refused_connection_fails_at_connect()
    {
        var nowhere = ScriptedUpstream.Refusing();

        var result = await TransformClient.TransformAsync(nowhere, "cummingsify", Poem, Quick).WaitAsync(Limit);

        Assert.Equal(
            $"connecting to the transform server {nowhere} failed: connection refused",
            Assert.IsType<TransformResult.Failed>(result).Reason);
    }

    [Fact]
    public async Task No_time_left_fails_at_once_without_connecting()
    {
        await using var server = ScriptedUpstream.Start(TransformBehaviours.Answers());

        var result = await TransformClient.TransformAsync(server.Address, "cummingsify", Poem, Quick, timeLeft: TimeSpan.Zero).WaitAsync(Limit);

        Assert.Contains("the deadline of 10 s passed before the transform", Assert.IsType<TransformResult.Failed>(result).Reason);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task The_callers_cancellation_throws_and_closes_the_connection()
    {
        await using var server = ScriptedUpstream.Start();
        using var cancel = new CancellationTokenSource();

        var transform = TransformClient.TransformAsync(
            server.Address, "cummingsify", Poem, Quick with { IdleTimeout = TimeSpan.FromSeconds(10) }, cancel: cancel.Token);
        await server.WaitForConnectionAsync(Limit);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => transform.WaitAsync(Limit));
        Assert.True(await server.WaitForPeerCloseAsync(Limit), "the transform connection was not closed");
    }
}
