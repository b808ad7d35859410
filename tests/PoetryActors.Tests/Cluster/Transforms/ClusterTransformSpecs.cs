using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Cluster.Transforms;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Transform;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Cluster.Transforms;

/// <summary>
/// The cluster's transforms across real members in one process (127.0.0.1 port 0, joined in
/// code, short timings) with <c>akka.actor.serialize-messages = on</c> and Akka's default remote
/// frame size of 128 KB: every poem part crosses members through our serializer, and a 1 MiB poem
/// only gets through because no message is larger than a part. Each member's router finds the
/// providers in its own catalog.
/// </summary>
public sealed class ClusterTransformSpecs(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(Config(), PoetryClusterSettings.SystemName, output), IAsyncLifetime
{
    private readonly ClusterMembers _members = new();

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private static readonly ClusterTransformSettings Settings = ClusterTransformSettings.Default with { RefreshInterval = TimeSpan.FromMilliseconds(300) };

    // Long enough that a request which fails fast cannot have failed by timing out.
    private static readonly FetchLimits Patient = FetchLimits.Default with { IdleTimeout = TimeSpan.FromSeconds(25) };

    private static Config Config(string roles = "[]") => ConfigurationFactory.ParseString("""
        # Akka's default: a 1 MiB poem in one message would be dropped as oversized.
        akka.remote.dot-netty.tcp.maximum-frame-size = 128000b
        """).WithFallback(ClusterMembers.MemberConfig(serializeMessages: true, roles)).WithFallback(ClusterTransformSerializer.Config);

    private static LocalServiceSource TransformService(int port) =>
        LocalServiceSource.Fixed([new CatalogService("", "xform", TransformKind.Name, $"127.0.0.1:{port}")]);

    /// <summary>A member with a real transform service at <c>/user/node/xform/transforms</c>, published in its catalog.</summary>
    private async Task StartTransformServiceAsync(ActorSystem system, int port)
    {
        ProviderTree.Start(system, "xform", TransformServiceActor.Props(TransformRegistry.Default, 99_999, Settings));
        IActorRef? service = null;
        await ClusterMembers.WaitUntilAsync(Deadline, () =>
        {
            // The holders create their children as they start.
            try { service = system.ActorSelection("/user/node/xform/transforms").ResolveOne(TimeSpan.FromSeconds(1)).Result; }
            catch (AggregateException) { }
            return service is not null;
        }, "the transform service started");
        Assert.IsType<ServiceStarted>(await service!.Ask<object>(StartService.Instance, Deadline));
        ClusterMembers.StartCatalog(system, TransformService(port));
    }

    private static void StartFakeProvider(ActorSystem system, int port, Props provider)
    {
        ProviderTree.Start(system, "xform", provider);
        ClusterMembers.StartCatalog(system, TransformService(port));
    }

    private IActorRef StartRouter(ActorSystem system) => system.ActorOf(TransformRouterActor.ForMember(Settings), TransformRouterActor.ActorName);

    private async Task WaitForProvidersAsync(IActorRef router, int live, int gone = 0)
    {
        CurrentProviders? last = null;
        await ClusterMembers.WaitUntilAsync(Deadline, () =>
        {
            last = router.Ask<CurrentProviders>(GetProviders.Instance, Deadline).Result;
            return last.Live.Count == live && last.Gone.Count == gone;
        }, $"{live} live and {gone} gone providers");
    }

    private static Task<TransformResult> Transform(IActorRef router, string poem, FetchLimits? limits = null) =>
        ClusterTransforms.TransformAsync(router, "cummingsify", Encoding.UTF8.GetBytes(poem), limits ?? Patient, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_transform_is_routed_to_the_transform_role_member_even_a_one_MiB_poem()
    {
        var plain = _members.Start(Config());
        var transformMember = _members.Start(Config("[transform]"));
        await ClusterMembers.JoinAsync(Deadline, Sys, plain, transformMember);
        // Both run a transform service; only the role member's is the cluster's choice.
        await StartTransformServiceAsync(plain, 11101);
        await StartTransformServiceAsync(transformMember, 11102);
        ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([]));
        var router = StartRouter(Sys);
        await WaitForProvidersAsync(router, live: 2);

        foreach (var poem in new[] { "HERE IS MY POEM", "ANOTHER ONE", "AND A THIRD" })
        {
            var transformed = Assert.IsType<TransformResult.Transformed>(await Transform(router, poem));
            Assert.Equal(poem.ToLowerInvariant(), Encoding.UTF8.GetString(transformed.Poem));
            Assert.Equal(new NetAddress("127.0.0.1", 11102), transformed.Server);
        }

        var big = string.Concat(Enumerable.Repeat("O WILD WEST WIND, THOU BREATH OF AUTUMN'S BEING.\n", (1 << 20) / 48))[..(1 << 20)];
        var bigResult = Assert.IsType<TransformResult.Transformed>(await Transform(router, big));
        Assert.Equal(1 << 20, bigResult.Poem.Length);
        Assert.Equal(big.ToLowerInvariant(), Encoding.UTF8.GetString(bigResult.Poem));
    }

    [Fact]
    public async Task A_burst_of_poems_travels_packed_into_few_messages_and_each_gets_its_own_answer()
    {
        var provider = _members.Start(Config("[transform]"));
        await ClusterMembers.JoinAsync(Deadline, Sys, provider);
        var received = new List<object>();
        ProviderTree.Start(provider, "xform", Props.Create(() => new ProviderTree.Counting(received)));
        ClusterMembers.StartCatalog(provider, TransformService(11103));
        ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([]));
        var router = StartRouter(Sys);
        await WaitForProvidersAsync(router, live: 1);

        var poems = Enumerable.Range(0, 200).Select(i => $"POEM NUMBER {i}\n" + new string('X', 2000)).ToList();
        var results = await Task.WhenAll(poems.Select(p => Transform(router, p)));

        Assert.Equal(poems.Select(p => p.ToLowerInvariant()), results.Select(r => Encoding.UTF8.GetString(Assert.IsType<TransformResult.Transformed>(r).Poem)));
        lock (received)
        {
            // 200 poems of ~2 KB: a handful of messages of up to 64 KiB, not 200.
            Assert.Equal(200, received.Sum(m => m is TransformParts b ? b.Parts.Count : 1));
            Assert.True(received.Count < 50, $"{received.Count} messages for 200 poems");
        }
    }

    [Fact]
    public async Task A_provider_killed_mid_request_fails_that_request_at_once_and_later_requests_go_to_the_other()
    {
        var hanging = _members.Start(Config("[transform]"));
        var healthy = _members.Start(Config("[transform]"));
        await ClusterMembers.JoinAsync(Deadline, Sys, hanging, healthy);
        StartFakeProvider(hanging, 11201, Props.Create(() => new ProviderTree.Silent()));
        await StartTransformServiceAsync(healthy, 11202);
        ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([]));
        var router = StartRouter(Sys);
        await WaitForProvidersAsync(router, live: 2);

        // Fewest in flight: the two go to different providers, one of them never answers.
        var first = Transform(router, "ONE");
        var second = Transform(router, "TWO");
        var answered = await Task.WhenAny(first, second);
        Assert.IsType<TransformResult.Transformed>(await answered);
        var stuck = answered == first ? second : first;
        Assert.False(stuck.IsCompleted);

        var clock = Stopwatch.StartNew();
        await hanging.Terminate();
        var failed = Assert.IsType<TransformResult.Failed>(await stuck);
        Assert.True(clock.Elapsed < Patient.IdleTimeout, $"failed after {clock.Elapsed}, not before the idle timeout");
        Assert.Contains("127.0.0.1:11201", failed.Reason);
        Assert.Contains("went away in the middle of the request", failed.Reason);

        for (var i = 0; i < 4; i++)
        {
            var later = Assert.IsType<TransformResult.Transformed>(await Transform(router, $"LATER {i}"));
            Assert.Equal(new NetAddress("127.0.0.1", 11202), later.Server);
        }
    }

    [Fact]
    public async Task When_the_last_provider_is_gone_every_transform_fails_at_once_saying_so()
    {
        var provider = _members.Start(Config("[transform]"));
        var other = _members.Start(Config());
        await ClusterMembers.JoinAsync(Deadline, Sys, provider, other);
        await StartTransformServiceAsync(provider, 11301);
        ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([]));
        var router = StartRouter(Sys);
        await WaitForProvidersAsync(router, live: 1);
        Assert.IsType<TransformResult.Transformed>(await Transform(router, "BEFORE"));

        await provider.Terminate();
        await WaitForProvidersAsync(router, live: 0, gone: 1);

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Transform(router, $"AFTER {i}")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.All(results, r => Assert.Contains("no transform provider of the cluster is left", Assert.IsType<TransformResult.Failed>(r).Reason));
    }

    [Fact]
    public async Task A_provider_that_answers_garbage_or_too_late_fails_the_request_and_the_router_goes_on()
    {
        var garbled = _members.Start(Config("[transform]"));
        await ClusterMembers.JoinAsync(Deadline, Sys, garbled);
        StartFakeProvider(garbled, 11401, Props.Create(() => new ProviderTree.Garbled()));
        ClusterMembers.StartCatalog(Sys, LocalServiceSource.Fixed([]));
        var router = StartRouter(Sys);
        await WaitForProvidersAsync(router, live: 1);

        var failed = Assert.IsType<TransformResult.Failed>(await Transform(router, "GARBAGE"));
        Assert.Contains("garbled answer", failed.Reason);

        // Too late: a provider that never answers fails the request at the idle timeout.
        var silentRouter = Sys.ActorOf(TransformRouterActor.ForProviders(Settings,
            [new TransformProvider("local", Sys.ActorOf(Props.Create(() => new ProviderTree.Silent()), "silent").Path.ToStringWithAddress(), new NetAddress("127.0.0.1", 11402), true)]));
        var late = Assert.IsType<TransformResult.Failed>(await Transform(silentRouter, "LATE", FetchLimits.Default with { IdleTimeout = TimeSpan.FromMilliseconds(500) }));
        Assert.Contains("sent nothing for 0.5 s", late.Reason);

        // A second answer to a request already answered is dropped; the router still works.
        var echoRouter = Sys.ActorOf(TransformRouterActor.ForProviders(Settings,
            [new TransformProvider("local", Sys.ActorOf(Props.Create(() => new ProviderTree.Echo()), "echo").Path.ToStringWithAddress(), new NetAddress("127.0.0.1", 11403), true)]));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"ECHO {i}", Encoding.UTF8.GetString(Assert.IsType<TransformResult.Transformed>(await Transform(echoRouter, $"ECHO {i}")).Poem));
        }

        Assert.IsType<TransformResult.Failed>(await Transform(router, "STILL ROUTED"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await _members.DisposeAsync();
}
