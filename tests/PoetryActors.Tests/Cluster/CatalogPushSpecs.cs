using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Kinds;
using Xunit;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Tests.Cluster;

/// <summary>
/// How fast a member's services reach the others: its catalog pushes them to every member the
/// moment it is Up (and every change after), so the others list them without waiting for
/// DistributedData's gossip, which these members slow to once an hour to prove it; and how
/// <c>get --cluster</c> asks the members' catalogs directly, first answer wins.
/// </summary>
public sealed class CatalogPushSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly ClusterMembers _members = new();

    // Replicas that never gossip within a test: only the catalog's own writes to every member carry an entry.
    private static Config NoGossip => ConfigurationFactory.ParseString("akka.cluster.distributed-data.gossip-interval = 1h")
        .WithFallback(ClusterMembers.MemberConfig(serializeMessages: true));

    private static LocalServiceSource Poems(params string[] names) => LocalServiceSource.Fixed(names
        .Select((name, i) => new CatalogService("", name, "fastpoetry", $"127.0.0.1:{11000 + i}", name, 100 + i, new string((char)('a' + i), 64)))
        .ToList());

    [Fact]
    public async Task A_member_that_joins_is_in_the_others_catalogs_once_it_is_Up_without_a_gossip_round()
    {
        var first = _members.Start(NoGossip);
        await ClusterMembers.JoinAsync(Deadline, first);
        var firstCatalog = ClusterMembers.StartCatalog(first, Poems("ecstasy"));
        var second = _members.Start(NoGossip);
        // It publishes before it joins: locally, for the push when it is Up to carry.
        var secondCatalog = ClusterMembers.StartCatalog(second, Poems("lorelei"));

        await ClusterMembers.JoinAsync(Deadline, first, second);

        var seen = await ClusterMembers.CatalogWhenAsync(firstCatalog, Deadline, c => c.Services.Any(s => s.Poem == "lorelei"), "the new member's poem");
        Assert.Equal(Akka.Cluster.Cluster.Get(second).SelfAddress.ToString(), Assert.Single(seen.Services, s => s.Poem == "lorelei").Node);
        // And the other way round: the older member's change after the join is pushed too.
        firstCatalog.Tell(new LocalServicesChanged(Poems("ecstasy", "science")));
        await ClusterMembers.CatalogWhenAsync(secondCatalog, Deadline, c => c.Services.Any(s => s.Poem == "science"), "the older member's new poem");
    }

    [Fact]
    public async Task The_members_catalogs_are_asked_directly_and_the_first_to_answer_wins()
    {
        var member = _members.Start(ClusterMembers.MemberConfig(serializeMessages: false));
        await ClusterMembers.JoinAsync(Deadline, member);
        var catalog = ClusterMembers.StartCatalog(member, Poems("ecstasy"));
        await ClusterMembers.CatalogWhenAsync(catalog, Deadline, c => c.Services.Count == 1, "its poem");
        var client = _members.StartClient();
        var port = Akka.Cluster.Cluster.Get(member).SelfAddress.Port!.Value;
        var dead = new NetAddress("127.0.0.1", FreePort());

        var answer = await CatalogClient.AskMembersAsync(client, [dead, new NetAddress("127.0.0.1", port)], TimeSpan.FromSeconds(20));

        var answered = Assert.IsType<CatalogClient.Answer.Answered>(answer);
        Assert.Equal("ecstasy", Assert.Single(answered.Catalog.Services).Poem);
        Assert.Equal(Akka.Cluster.Cluster.Get(member).SelfAddress.ToString(), answered.Catalog.Answerer);
    }

    [Fact]
    public async Task No_answer_from_any_member_says_so_naming_every_address_tried()
    {
        var client = _members.StartClient();
        var dead = new[] { new NetAddress("127.0.0.1", FreePort()), new NetAddress("127.0.0.1", FreePort()) };

        var answer = await CatalogClient.AskMembersAsync(client, dead, TimeSpan.FromMilliseconds(700));

        var none = Assert.IsType<CatalogClient.Answer.NoAnswer>(answer);
        Assert.Equal($"no contact point of the cluster answered within 0.7s (tried {dead[0]}, {dead[1]})", none.Reason);
    }

    [Fact]
    public async Task A_change_while_the_services_are_read_starts_a_fresh_reading_instead_of_waiting_for_the_stale_one()
    {
        // The first reading never ends on its own (like asks to listeners that do not exist yet);
        // the node's start then announces its services: they must be published without waiting
        // for the first reading, and the first one must be cancelled, not left running.
        var member = _members.Start(ClusterMembers.MemberConfig(serializeMessages: true));
        await ClusterMembers.JoinAsync(Deadline, member);
        var stuck = new StuckSource();
        var catalog = ClusterMembers.StartCatalog(member, stuck, ClusterMembers.FastCatalog with { RepublishInterval = TimeSpan.FromHours(1) });
        await stuck.Started.Task.WaitAsync(Deadline);

        catalog.Tell(new LocalServicesChanged(Poems("ecstasy")));

        var seen = await ClusterMembers.CatalogWhenAsync(catalog, Deadline, c => c.Services.Count == 1, "the poem announced during the stuck reading");
        Assert.Equal("ecstasy", Assert.Single(seen.Services).Poem);
        Assert.True(await stuck.Cancelled.Task.WaitAsync(Deadline), "the stale reading was cancelled");
    }

    /// <summary>A source whose reading waits until it is cancelled.</summary>
    private sealed class StuckSource : LocalServiceSource
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<IReadOnlyList<CatalogService>> DescribeAsync(string node, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult(true);
            }

            return [];
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _members.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
