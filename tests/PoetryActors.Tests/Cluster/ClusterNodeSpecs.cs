using Akka.Actor;
using Akka.Event;
using PoetryActors.Cluster;
using PoetryActors.Deployment;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Services;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Cluster;

/// <summary>
/// Cluster members that run real services (poem servers on 127.0.0.1 port 0) and publish them:
/// a poem served by one member is fetched by name through another, a reload on one member
/// changes the others' catalogs, and a download by name falls back to another node, checks the
/// SHA-256 and names an unknown poem. (The service tree's own messages are local and not made
/// for serialization, so these members run without <c>serialize-messages</c>; the catalog's are
/// checked with it in <see cref="CatalogSpecs"/>.)
/// </summary>
public sealed class ClusterNodeSpecs(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ClusterMembers.MemberConfig(serializeMessages: false), PoetryClusterSettings.SystemName, output), IAsyncLifetime
{
    private readonly ClusterMembers _members = new();

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private static string Deployment(params string[] poems) => "poetry.node.services = [\n" + string.Join("\n", poems.Select(p =>
        $$"""{ name = {{p}}, kind = fastpoetry, poem = "{{Poems.PathOf(p + ".txt")}}", port = 0, iface = 127.0.0.1 }""")) + "\n]";

    /// <summary>A member running <paramref name="deployment"/> under <c>/user/node</c>, its services started, and its catalog.</summary>
    private static async Task<(IActorRef Node, IActorRef Catalog, NodeDeployment Deployment)> RunNodeAsync(ActorSystem system, string deployment)
    {
        var checkedDeployment = DeploymentLoader.Default.Load(deployment, "test deployment");
        var node = system.ActorOf(ServiceCollectionActor.Props(checkedDeployment.ToServiceSpecs(), checkedDeployment.ServiceCollectionSettings), "node");
        Assert.IsType<ServiceStarted>(await node.Ask<object>(StartService.Instance, TimeSpan.FromSeconds(20)));
        var source = LocalServiceSource.ForNode(system, node.Path, checkedDeployment.Services, "127.0.0.1");
        return (node, ClusterMembers.StartCatalog(system, source), checkedDeployment);
    }

    [Fact]
    public async Task A_poem_served_by_one_member_is_fetched_by_name_through_another()
    {
        var other = _members.Start(ClusterMembers.MemberConfig(false));
        await ClusterMembers.JoinAsync(Deadline, Sys, other);
        await RunNodeAsync(Sys, Deployment("science"));
        var (_, otherCatalog, _) = await RunNodeAsync(other, Deployment("ecstasy", "lorelei"));

        var catalog = await ClusterMembers.CatalogWhenAsync(otherCatalog, Deadline, c => c.Services.Count == 3, "three poems");
        var science = Assert.Single(catalog.ServingPoem("science"));
        Assert.Equal(new FileInfo(Poems.PathOf("science.txt")).Length, science.Bytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Poems.PathOf("science.txt")))), science.Sha256);

        var outcomes = await ClusterPoetryClient.AllSettledAsync(other, [new ClusterPoetryClient.Target.Poem("science"), new ClusterPoetryClient.Target.Poem("ecstasy")], catalog, DownloadSettings.Default);

        Assert.Equal(File.ReadAllBytes(Poems.PathOf("science.txt")), Assert.IsType<PoemOutcome.Downloaded>(outcomes[0]).Poem);
        Assert.Equal(File.ReadAllBytes(Poems.PathOf("ecstasy.txt")), Assert.IsType<PoemOutcome.Downloaded>(outcomes[1]).Poem);
    }

    [Fact]
    public async Task A_reload_on_one_member_changes_the_catalog_on_the_others()
    {
        var other = _members.Start(ClusterMembers.MemberConfig(false));
        await ClusterMembers.JoinAsync(Deadline, Sys, other);
        var (node, catalog, _) = await RunNodeAsync(Sys, Deployment("science"));
        var (_, otherCatalog, _) = await RunNodeAsync(other, Deployment("ecstasy"));
        await ClusterMembers.CatalogWhenAsync(otherCatalog, Deadline, c => c.Services.Count == 2, "both poems");

        var reloader = new DeploymentReloader(node, Logging.GetLogger(Sys, "reload"));
        var outcome = await reloader.ReloadAsync(() => DeploymentLoader.Default.Load(Deployment("lorelei", "pushkin"), "test deployment"));
        Assert.Empty(outcome.Errors);
        catalog.Tell(new DeploymentChanged(outcome.Running!));

        var after = await ClusterMembers.CatalogWhenAsync(otherCatalog, Deadline,
            c => c.Services.Select(s => s.Poem).Order().SequenceEqual(["ecstasy", "lorelei", "pushkin"]), "science replaced by lorelei and pushkin");
        Assert.All(after.ServingPoem("pushkin"), s => Assert.Equal(Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString(), s.Node));
    }

    [Fact]
    public async Task A_download_by_name_that_fails_on_one_node_is_fetched_from_another_serving_the_same_poem()
    {
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy"));
        var live = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var poem = File.ReadAllBytes(Poems.PathOf("ecstasy.txt"));
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(poem));
        var deadPort = FreePort();
        var catalog = new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053",
            [new CatalogMember("akka.tcp://poetry@127.0.0.1:4053", [], "up"), new CatalogMember("akka.tcp://poetry@127.0.0.1:4054", [], "up")],
            [
                // The contact node's copy comes first, and its server is gone.
                new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "ecstasy", "fastpoetry", $"127.0.0.1:{deadPort}", "ecstasy", poem.Length, sha256),
                new CatalogService("akka.tcp://poetry@127.0.0.1:4054", "ecstasy", "fastpoetry", $"127.0.0.1:{live.Port}", "ecstasy", poem.Length, sha256),
            ]);

        var outcomes = await ClusterPoetryClient.AllSettledAsync(Sys, [new ClusterPoetryClient.Target.Poem("ecstasy")], catalog, DownloadSettings.Default);

        var downloaded = Assert.IsType<PoemOutcome.Downloaded>(Assert.Single(outcomes));
        Assert.Equal(poem, downloaded.Poem);
        Assert.Equal(live.Port, downloaded.Address.Port);
    }

    [Fact]
    public async Task A_poem_whose_bytes_do_not_match_the_catalogs_SHA256_is_a_failed_outcome()
    {
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy"));
        var live = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var catalog = new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053", [],
            [new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "ecstasy", "fastpoetry", $"127.0.0.1:{live.Port}", "ecstasy", 10, new string('0', 64))]);

        var outcomes = await ClusterPoetryClient.AllSettledAsync(Sys, [new ClusterPoetryClient.Target.Poem("ecstasy")], catalog, DownloadSettings.Default);

        var failed = Assert.IsType<PoemOutcome.Failed>(Assert.Single(outcomes));
        Assert.Contains("whose SHA-256", failed.Failure.Detail);
        Assert.Contains("is not the catalog's 000000000000", failed.Failure.Detail);
    }

    [Fact]
    public async Task A_poem_no_member_serves_is_a_failed_outcome_that_says_so_while_the_others_arrive()
    {
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy"));
        var live = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var catalog = new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053", [], []);

        var outcomes = await ClusterPoetryClient.AllSettledAsync(Sys,
            [new ClusterPoetryClient.Target.Poem("nosuchpoem"), new ClusterPoetryClient.Target.At(new NetAddress("127.0.0.1", live.Port))], catalog, DownloadSettings.Default);

        Assert.Equal("no node of the cluster serves a poem named 'nosuchpoem'", Assert.IsType<PoemOutcome.Failed>(outcomes[0]).Failure.Detail);
        Assert.IsType<PoemOutcome.Downloaded>(outcomes[1]);
    }

    [Fact]
    public async Task Plain_addresses_download_while_the_catalog_is_still_asked_and_the_names_follow_in_request_order()
    {
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy"));
        var live = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var poem = File.ReadAllBytes(Poems.PathOf("ecstasy.txt"));
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(poem));
        var contact = new NetAddress("127.0.0.1", 4053);
        var catalog = new TaskCompletionSource<ClusterPoetryClient.Catalogued>(TaskCreationOptions.RunContinuationsAsynchronously);
        var plainArrived = new TaskCompletionSource<PoemOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progressed = new List<int>();
        var options = new DownloadOptions
        {
            Settings = DownloadSettings.Default,
            OnProgress = p => progressed.Add(p.Index),
            OnSettled = o =>
            {
                if (o.Index == 1)
                {
                    plainArrived.TrySetResult(o);
                }
            },
        };

        var fetch = ClusterPoetryClient.AllSettledAsync(Sys,
            [new ClusterPoetryClient.Target.Poem("ecstasy"), new ClusterPoetryClient.Target.At(new NetAddress("127.0.0.1", live.Port)), new ClusterPoetryClient.Target.Poem("nosuchpoem")],
            catalog.Task, contact, options, DownloadSettings.Default, TimeSpan.FromSeconds(30));

        // The address is in while the catalog is not.
        Assert.IsType<PoemOutcome.Downloaded>(await plainArrived.Task.WaitAsync(Deadline));
        Assert.False(fetch.IsCompleted);
        catalog.SetResult(new ClusterPoetryClient.Catalogued(new CatalogClient.Answer.Answered(new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053", [],
            [new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "ecstasy", "fastpoetry", $"127.0.0.1:{live.Port}", "ecstasy", poem.Length, sha256)])), DownloadSettings.Default));

        var outcomes = await fetch.WaitAsync(Deadline);
        Assert.Equal([0, 1, 2], outcomes.Select(o => o.Index));
        Assert.Equal(poem, Assert.IsType<PoemOutcome.Downloaded>(outcomes[0]).Poem);
        Assert.Equal(poem, Assert.IsType<PoemOutcome.Downloaded>(outcomes[1]).Poem);
        Assert.Equal("no node of the cluster serves a poem named 'nosuchpoem'", Assert.IsType<PoemOutcome.Failed>(outcomes[2]).Failure.Detail);
        // The download by name reports its progress like the plain one.
        Assert.Contains(0, progressed);
        Assert.Contains(1, progressed);
    }

    [Fact]
    public async Task A_catalog_that_cannot_be_had_fails_every_name_with_the_reason_while_the_plain_addresses_arrive()
    {
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy"));
        var live = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var contact = new NetAddress("127.0.0.1", FreePort());
        var reason = $"no contact point of the cluster answered within 1s (tried {contact})";
        var catalog = Task.FromResult(new ClusterPoetryClient.Catalogued(new CatalogClient.Answer.NoAnswer(reason), DownloadSettings.Default));

        var outcomes = await ClusterPoetryClient.AllSettledAsync(Sys,
            [new ClusterPoetryClient.Target.At(new NetAddress("127.0.0.1", live.Port)), new ClusterPoetryClient.Target.Poem("ecstasy")],
            catalog, contact, new DownloadOptions { Settings = DownloadSettings.Default }, DownloadSettings.Default, TimeSpan.FromSeconds(30));

        Assert.IsType<PoemOutcome.Downloaded>(outcomes[0]);
        var failed = Assert.IsType<PoemOutcome.Failed>(outcomes[1]);
        Assert.Equal(reason, failed.Failure.Detail);
        Assert.Equal(contact, failed.Address);
    }

    [Fact]
    public async Task Every_download_of_a_name_asked_many_times_is_checked_against_the_catalogs_SHA256_with_the_answer_in_hand()
    {
        // The catalog's answer is worked out once per name; each arrival is still checked on its own.
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy", "science"));
        var ecstasy = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var science = await FastPoetry.BoundAddressAsync(node, "science");
        var poem = File.ReadAllBytes(Poems.PathOf("ecstasy.txt"));
        var catalog = new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053", [],
        [
            new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "ecstasy", "fastpoetry", $"127.0.0.1:{ecstasy.Port}", "ecstasy", poem.Length,
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(poem))),
            // A catalog entry whose SHA-256 is not what its server sends.
            new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "science", "fastpoetry", $"127.0.0.1:{science.Port}", "science", 10, new string('0', 64)),
        ]);
        var targets = Enumerable.Range(0, 40).Select(i => (ClusterPoetryClient.Target)new ClusterPoetryClient.Target.Poem(i % 4 == 3 ? "science" : "ecstasy")).ToList();

        var outcomes = await ClusterPoetryClient.AllSettledAsync(Sys, targets, catalog, DownloadSettings.Default);

        Assert.Equal(Enumerable.Range(0, 40), outcomes.Select(o => o.Index));
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (i % 4 == 3)
            {
                Assert.Contains("is not the catalog's 000000000000", Assert.IsType<PoemOutcome.Failed>(outcomes[i]).Failure.Detail);
            }
            else
            {
                Assert.Equal(poem, Assert.IsType<PoemOutcome.Downloaded>(outcomes[i]).Poem);
            }
        }
    }

    [Fact]
    public async Task Names_asked_before_the_catalog_is_in_fall_back_and_fail_a_mismatch_when_it_comes()
    {
        // The other way to a download by name: made before the answer, resolved by it.
        var (node, _, _) = await RunNodeAsync(Sys, Deployment("ecstasy", "science"));
        var live = await FastPoetry.BoundAddressAsync(node, "ecstasy");
        var science = await FastPoetry.BoundAddressAsync(node, "science");
        var poem = File.ReadAllBytes(Poems.PathOf("ecstasy.txt"));
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(poem));
        var catalog = new TaskCompletionSource<ClusterPoetryClient.Catalogued>(TaskCreationOptions.RunContinuationsAsynchronously);

        var fetch = ClusterPoetryClient.AllSettledAsync(Sys,
            [new ClusterPoetryClient.Target.Poem("ecstasy"), new ClusterPoetryClient.Target.Poem("science"), new ClusterPoetryClient.Target.Poem("ecstasy")],
            catalog.Task, new NetAddress("127.0.0.1", 4053), new DownloadOptions { Settings = DownloadSettings.Default }, DownloadSettings.Default, TimeSpan.FromSeconds(30));
        Assert.False(fetch.IsCompleted);
        catalog.SetResult(new ClusterPoetryClient.Catalogued(new CatalogClient.Answer.Answered(new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053", [],
        [
            // The contact node's copy first, its server gone; another node serves the same poem.
            new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "ecstasy", "fastpoetry", $"127.0.0.1:{FreePort()}", "ecstasy", poem.Length, sha256),
            new CatalogService("akka.tcp://poetry@127.0.0.1:4054", "ecstasy", "fastpoetry", $"127.0.0.1:{live.Port}", "ecstasy", poem.Length, sha256),
            new CatalogService("akka.tcp://poetry@127.0.0.1:4053", "science", "fastpoetry", $"127.0.0.1:{science.Port}", "science", 10, new string('0', 64)),
        ])), DownloadSettings.Default));

        var outcomes = await fetch.WaitAsync(Deadline);
        Assert.Equal(live.Port, Assert.IsType<PoemOutcome.Downloaded>(outcomes[0]).Address.Port);
        Assert.Contains("is not the catalog's 000000000000", Assert.IsType<PoemOutcome.Failed>(outcomes[1]).Failure.Detail);
        Assert.Equal(poem, Assert.IsType<PoemOutcome.Downloaded>(outcomes[2]).Poem);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await _members.DisposeAsync();
}
