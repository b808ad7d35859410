using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PoetryActors.Kinds;
using PoetryActors.Proxy;
using PoetryActors.Services;
using PoetryActors.Tests.Support;
using Xunit;
using static PoetryActors.Proxy.ProxyProtocol;

namespace PoetryActors.Tests.Proxy;

public sealed class PoemCacheSpecs() : TestKit(Config)
{
    // The download's idle timeout is longer than any wait here, so that only a cancellation
    // (or the proxy's fetch-timeout, where a test sets one) can end a silent upstream's fetch.
    private const string Config = """
        akka.loglevel = INFO
        poetry.listener.drain-timeout = 1s
        poetry.download.idle-timeout = 120s
        """;

    private static readonly byte[] Poem = Encoding.UTF8.GetBytes(
        "My mistress' eyes are nothing like the sun;\nCoral is far more red than her lips' red;\n");

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(20));

    private Task<RunningKind> StartProxyAsync(NetAddress upstream, string fetchTimeout = "10s") =>
        RunningKind.StartAsync(Sys, ProxyKind.Kind, new Dictionary<string, string>
        {
            ["upstream"] = upstream.ToString(),
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["fetch-timeout"] = fetchTimeout,
        }, Deadline);

    private async Task<CurrentCacheState> CacheStateAsync(RunningKind proxy)
    {
        var cache = await proxy.ServiceAsync("cache");
        return await cache.Ask<CurrentCacheState>(GetCacheState.Instance, Deadline);
    }

    private Task AwaitCacheStateAsync(RunningKind proxy, CachePhase phase, int waiting) =>
        AwaitAssertAsync(async () =>
        {
            var state = await CacheStateAsync(proxy);
            Assert.Equal((phase, waiting), (state.Phase, state.Waiting));
        }, Deadline, TimeSpan.FromMilliseconds(20));

    [Fact]
    public async Task The_first_request_fetches_from_the_upstream_and_later_ones_are_served_from_the_cache()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var proxy = await StartProxyAsync(upstream.Address);

        await EventFilter.Info("Fetching poem from server.").ExpectOneAsync(Deadline, async () =>
            Assert.Equal(Poem, await PoemClient.GetPoemAsync(proxy.Address, Deadline)));
        await EventFilter.Info("Using cached poem.").ExpectAsync(4, Deadline, async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(Poem, await PoemClient.GetPoemAsync(proxy.Address, Deadline));
            }
        });

        Assert.Equal(1, upstream.Connections);
        Assert.Equal(new CurrentCacheState(CachePhase.Cached, 0, Poem.Length), await CacheStateAsync(proxy));
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_upstream_fetch()
    {
        var gate = new TaskCompletionSource();
        await using var upstream = ScriptedUpstream.Start();
        upstream.Behaviour = upstream.Gated(gate.Task, Poem);
        await using var proxy = await StartProxyAsync(upstream.Address);

        var clients = Enumerable.Range(0, 10).Select(_ => PoemClient.GetPoemAsync(proxy.Address, Deadline)).ToList();
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 10);
        gate.SetResult();

        Assert.All(await Task.WhenAll(clients), poem => Assert.Equal(Poem, poem));
        Assert.Equal(1, upstream.Connections);
    }

    [Fact]
    public async Task A_reset_fetch_is_not_cached_its_clients_get_zero_bytes_and_the_next_request_fetches_again()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.ResetsAfter(Poem[..30]));
        await using var proxy = await StartProxyAsync(upstream.Address);

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PoemClient.GetPoemAsync(proxy.Address, Deadline)));
        Assert.All(answers, Assert.Empty);
        Assert.Equal(CachePhase.Empty, (await CacheStateAsync(proxy)).Phase);

        var failedFetches = upstream.Connections;
        upstream.Behaviour = ScriptedUpstream.Serves(Poem);
        Assert.Equal(Poem, await PoemClient.GetPoemAsync(proxy.Address, Deadline));
        Assert.Equal(failedFetches + 1, upstream.Connections);
        Assert.Equal(CachePhase.Cached, (await CacheStateAsync(proxy)).Phase);
    }

    [Fact]
    public async Task A_refused_fetch_is_not_cached_and_its_client_gets_zero_bytes()
    {
        await using var proxy = await StartProxyAsync(ScriptedUpstream.Refusing());

        await EventFilter.Warning(contains: "connection refused").ExpectOneAsync(Deadline, async () =>
            Assert.Empty(await PoemClient.GetPoemAsync(proxy.Address, Deadline)));

        Assert.Equal(new CurrentCacheState(CachePhase.Empty, 0, 0), await CacheStateAsync(proxy));
    }

    [Fact]
    public async Task An_upstream_that_sends_no_poem_is_not_cached()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves([]));
        await using var proxy = await StartProxyAsync(upstream.Address);

        Assert.Empty(await PoemClient.GetPoemAsync(proxy.Address, Deadline));
        Assert.Empty(await PoemClient.GetPoemAsync(proxy.Address, Deadline));

        Assert.Equal(2, upstream.Connections);
        Assert.Equal(CachePhase.Empty, (await CacheStateAsync(proxy)).Phase);
    }

    [Fact]
    public async Task A_silent_upstream_fails_after_the_fetch_timeout_and_we_close_its_connection()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await StartProxyAsync(upstream.Address, fetchTimeout: "1s");

        var (poem, _, closedAt) = await PoemClient.GetPoemInReadsAsync(proxy.Address, Deadline);

        Assert.Empty(poem);
        Assert.True(closedAt >= TimeSpan.FromSeconds(0.9), $"the client was closed after {closedAt.TotalMilliseconds} ms");
        Assert.True(await upstream.WaitForPeerCloseAsync(Deadline), "the proxy left the upstream connection open");
        Assert.Equal(CachePhase.Empty, (await CacheStateAsync(proxy)).Phase);
    }

    [Fact]
    public async Task When_every_waiting_client_has_gone_the_upstream_fetch_is_cancelled()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await StartProxyAsync(upstream.Address, fetchTimeout: "60s");

        var first = await PoemClient.ConnectAsync(proxy.Address);
        var second = await PoemClient.ConnectAsync(proxy.Address);
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 2);
        await upstream.WaitForConnectionAsync(Deadline);

        // Leaving is a reset (a FIN alone is a half-close, which is served: see below).
        Reset(first);
        // One client still waits: the fetch goes on.
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 1);

        await EventFilter.Info("Canceling poem download.").ExpectOneAsync(Deadline, () =>
        {
            Reset(second);
            return Task.CompletedTask;
        });
        Assert.True(await upstream.WaitForPeerCloseAsync(Deadline), "the cancelled fetch left the upstream connection open");
        Assert.Equal(new CurrentCacheState(CachePhase.Empty, 0, 0), await CacheStateAsync(proxy));
        Assert.Equal(1, upstream.Connections);
    }

    [Fact]
    public async Task A_client_that_leaves_does_not_disturb_one_still_waiting()
    {
        var gate = new TaskCompletionSource();
        await using var upstream = ScriptedUpstream.Start();
        upstream.Behaviour = upstream.Gated(gate.Task, Poem);
        await using var proxy = await StartProxyAsync(upstream.Address);

        var staying = PoemClient.GetPoemAsync(proxy.Address, Deadline);
        var leaving = await PoemClient.ConnectAsync(proxy.Address);
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 2);
        Reset(leaving);
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 1);
        gate.SetResult();

        Assert.Equal(Poem, await staying);
        Assert.Equal(1, upstream.Connections);
    }

    [Fact]
    public async Task A_client_that_half_closes_while_the_first_fetch_is_in_progress_is_served_the_poem()
    {
        // nc -N: the client sends its FIN at once (it has nothing to say) and reads the poem.
        var gate = new TaskCompletionSource();
        await using var upstream = ScriptedUpstream.Start();
        upstream.Behaviour = upstream.Gated(gate.Task, Poem);
        await using var proxy = await StartProxyAsync(upstream.Address);

        using var client = await PoemClient.ConnectAsync(proxy.Address);
        client.Shutdown(SocketShutdown.Send);
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 1);
        // Well after the proxy has seen the FIN, the request still waits.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 1);
        gate.SetResult();

        using var deadline = new CancellationTokenSource(Deadline);
        Assert.Equal(Poem, await PoemClient.ReadToCloseAsync(client, deadline.Token));
    }

    private static void Reset(Socket client)
    {
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    [Fact]
    public async Task A_client_that_resets_counts_as_gone()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await StartProxyAsync(upstream.Address, fetchTimeout: "60s");

        var client = await PoemClient.ConnectAsync(proxy.Address);
        await AwaitCacheStateAsync(proxy, CachePhase.Fetching, waiting: 1);
        client.LingerState = new LingerOption(true, 0);
        client.Dispose();

        Assert.True(await upstream.WaitForPeerCloseAsync(Deadline), "the fetch was not cancelled");
        await AwaitCacheStateAsync(proxy, CachePhase.Empty, waiting: 0);
    }

    [Fact]
    public async Task A_proxy_can_fetch_from_another_proxy()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var inner = await StartProxyAsync(upstream.Address);
        await using var outer = await StartProxyAsync(inner.NetAddress);

        Assert.Equal(Poem, await PoemClient.GetPoemAsync(outer.Address, Deadline));
        Assert.Equal(Poem, await PoemClient.GetPoemAsync(outer.Address, Deadline));
        Assert.Equal(Poem, await PoemClient.GetPoemAsync(inner.Address, Deadline));

        Assert.Equal(1, upstream.Connections);
    }

    [Fact]
    public async Task A_stopped_cache_answers_that_it_has_no_poem()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var proxy = await StartProxyAsync(upstream.Address);
        Assert.Equal(Poem, await PoemClient.GetPoemAsync(proxy.Address, Deadline));
        var cache = await proxy.ServiceAsync("cache");

        await cache.Ask<ServiceProtocol.ServiceStopped>(ServiceProtocol.StopService.Instance, Deadline);
        var answer = await cache.Ask<object>(new GetCachedPoem(-1), Deadline);

        Assert.IsType<PoemNotAvailable>(answer);
        Assert.Equal(new CurrentCacheState(CachePhase.Empty, 0, 0), await CacheStateAsync(proxy));
    }

    [Fact]
    public async Task A_cache_started_again_after_a_stop_forgot_its_poem_and_fetches_it_again()
    {
        await using var upstream = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var proxy = await StartProxyAsync(upstream.Address);
        Assert.Equal(Poem, await PoemClient.GetPoemAsync(proxy.Address, Deadline));
        var cache = await proxy.ServiceAsync("cache");

        await cache.Ask<ServiceProtocol.ServiceStopped>(ServiceProtocol.StopService.Instance, Deadline);
        await cache.Ask<ServiceProtocol.ServiceStarted>(ServiceProtocol.StartService.Instance, Deadline);
        var answer = await cache.Ask<object>(new GetCachedPoem(-2), Deadline);

        Assert.Equal(Poem, Assert.IsType<CachedPoem>(answer).Poem);
        Assert.Equal(2, upstream.Connections);
        Assert.Equal(new CurrentCacheState(CachePhase.Cached, 0, Poem.Length), await CacheStateAsync(proxy));
    }

    [Fact]
    public void A_proxy_is_refused_its_own_address_as_upstream()
    {
        var parsed = ProxyKind.Kind.Parse(new Dictionary<string, string> { ["upstream"] = "localhost:10003" });

        Assert.Null(parsed.Options);
        Assert.Contains(parsed.Problems, p => p.Key == "upstream" && p.Message.Contains("fetch from itself"));
    }

    [Fact]
    public void The_proxy_requires_an_upstream()
    {
        var parsed = ProxyKind.Kind.Parse(new Dictionary<string, string>());

        Assert.Contains(parsed.Problems, p => p.Key == "upstream");
    }
}
