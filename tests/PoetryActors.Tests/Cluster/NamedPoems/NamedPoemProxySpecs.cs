using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using PoetryActors.Cluster;
using PoetryActors.Proxy;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Proxy.ProxyProtocol;

namespace PoetryActors.Tests.Cluster.NamedPoems;

/// <summary>
/// Caching proxies whose upstream is a poem of the cluster by name (<c>poem:NAME</c>), on real
/// members in one process. The poems are served by scripted TCP servers that count their
/// connections, published in the members' catalogs. (The proxy asks only its own member's
/// catalog, and the service tree's messages are local and not made for serialization, so these
/// members run without <c>serialize-messages</c>; the catalog's messages are checked with it in
/// <see cref="CatalogSpecs"/>.)
/// </summary>
public sealed class NamedPoemProxySpecs(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ClusterMembers.MemberConfig(serializeMessages: false), PoetryClusterSettings.SystemName, output), IAsyncLifetime
{
    private static readonly byte[] Science = Encoding.UTF8.GetBytes("Science! true daughter of Old Time thou art!\n");
    private static readonly byte[] Lorelei = Encoding.UTF8.GetBytes("Ich weiss nicht, was soll es bedeuten,\n");

    private readonly ClusterMembers _members = new();
    private readonly List<IAsyncDisposable> _servers = [];

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private ScriptedUpstream Serving(byte[] poem)
    {
        var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(poem));
        _servers.Add(server);
        return server;
    }

    private static CatalogService Poem(string name, ScriptedUpstream server, byte[] content) =>
        new("", name, "fastpoetry", server.Address.ToString(), name, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)));

    private Task<RunningKind> StartProxyAsync(string upstream) =>
        RunningKind.StartAsync(Sys, ProxyKind.Kind, new Dictionary<string, string>
        {
            ["upstream"] = upstream,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["fetch-timeout"] = "5s",
        }, Deadline);

    private async Task<string> WhyNoPoemAsync(RunningKind proxy)
    {
        var cache = await proxy.ServiceAsync("cache");
        return Assert.IsType<PoemNotAvailable>(await cache.Ask<object>(new GetCachedPoem(-1), Deadline)).Reason;
    }

    [Fact]
    public async Task A_proxy_of_a_poem_no_member_serves_yet_gives_zero_bytes_then_serves_it_once_it_appears()
    {
        var other = _members.Start(ClusterMembers.MemberConfig(false));
        await ClusterMembers.JoinAsync(Deadline, Sys, other);
        var ownCatalog = ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([]));
        var otherCatalog = ClusterMembers.StartCatalog(other, LocalServiceSource.Fixed([]));
        await using var proxy = await StartProxyAsync("poem:science");

        Assert.Empty(await PoemClient.FetchAsync(proxy.Address));
        Assert.Contains("no member of the cluster serves a poem named 'science' yet", await WhyNoPoemAsync(proxy));

        var server = Serving(Science);
        otherCatalog.Tell(new LocalServicesChanged(LocalServiceSource.Fixed([Poem("science", server, Science)])));
        await ClusterMembers.CatalogWhenAsync(ownCatalog, Deadline, c => c.ServingPoem("science").Any(), "science in the proxy member's catalog");

        Assert.Equal(Science, await PoemClient.FetchAsync(proxy.Address));
        Assert.Equal(Science, await PoemClient.FetchAsync(proxy.Address));
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task A_proxy_follows_its_poem_to_another_member_when_the_serving_member_leaves_and_prefers_its_own_copy()
    {
        var leaving = _members.Start(ClusterMembers.MemberConfig(false));
        var staying = _members.Start(ClusterMembers.MemberConfig(false));
        await ClusterMembers.JoinAsync(Deadline, Sys, leaving, staying);
        var ownLorelei = Serving(Lorelei);
        var ownCatalog = ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([Poem("lorelei", ownLorelei, Lorelei)]));
        var leavingScience = Serving(Science);
        var leavingLorelei = Serving(Lorelei);
        ClusterMembers.StartCatalog(leaving, LocalServiceSource.Fixed([Poem("science", leavingScience, Science), Poem("lorelei", leavingLorelei, Lorelei)]));
        var stayingCatalog = ClusterMembers.StartCatalog(staying, LocalServiceSource.Fixed([]));
        await ClusterMembers.CatalogWhenAsync(ownCatalog, Deadline, c => c.Services.Count == 3, "three poems");

        // The member's own copy first.
        await using var lorelei = await StartProxyAsync("poem:lorelei");
        Assert.Equal(Lorelei, await PoemClient.FetchAsync(lorelei.Address));
        Assert.Equal((1, 0), (ownLorelei.Connections, leavingLorelei.Connections));

        // The only member serving science goes, and another starts serving it: the proxy finds it there.
        await using var science = await StartProxyAsync("poem:science");
        await leaving.Terminate();
        await ClusterMembers.CatalogWhenAsync(ownCatalog, Deadline, c => !c.ServingPoem("science").Any(), "the leaving member's science gone");
        Assert.Empty(await PoemClient.FetchAsync(science.Address));

        var stayingScience = Serving(Science);
        stayingCatalog.Tell(new LocalServicesChanged(LocalServiceSource.Fixed([Poem("science", stayingScience, Science)])));
        await ClusterMembers.CatalogWhenAsync(ownCatalog, Deadline, c => c.ServingPoem("science").Any(), "science served again");
        Assert.Equal(Science, await PoemClient.FetchAsync(science.Address));
        Assert.Equal((0, 1), (leavingScience.Connections, stayingScience.Connections));
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_catalogs_SHA256_are_never_cached()
    {
        var forged = Serving(Encoding.UTF8.GetBytes("not the poem the catalog describes\n"));
        var ownCatalog = ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([Poem("science", forged, Science)]));
        await ClusterMembers.JoinAsync(Deadline, Sys);
        await ClusterMembers.CatalogWhenAsync(ownCatalog, Deadline, c => c.ServingPoem("science").Any(), "science published");
        await using var proxy = await StartProxyAsync("poem:science");

        Assert.Empty(await PoemClient.FetchAsync(proxy.Address));
        Assert.Contains("SHA-256 is not the catalog's", await WhyNoPoemAsync(proxy));
        Assert.Empty(await PoemClient.FetchAsync(proxy.Address));
        Assert.Equal(3, forged.Connections);
    }

    [Theory]
    [InlineData("poem:", "names no poem")]
    [InlineData("poem:two words", "is not a poem name")]
    [InlineData("poem:../etc/passwd", "is not a poem name")]
    [InlineData("not-an-address", "poem:NAME")]
    public void A_bad_upstream_is_refused_with_the_reason(string upstream, string reason)
    {
        var parsed = ProxyKind.Kind.Parse(new Dictionary<string, string> { ["upstream"] = upstream, ["port"] = "0" });
        var problem = Assert.Single(parsed.Problems);
        Assert.Equal("upstream", problem.Key);
        Assert.Contains(reason, problem.Message);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await _members.DisposeAsync();
    }
}
