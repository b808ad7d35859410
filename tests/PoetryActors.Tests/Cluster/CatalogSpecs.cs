using Akka.Actor;
using Akka.Cluster;
using PoetryActors.Cluster;
using PoetryActors.Kinds;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Tests.Cluster;

/// <summary>
/// The replicated catalog across real cluster members in one process (127.0.0.1, port 0, joined
/// in code, short timings), with <c>akka.actor.serialize-messages = on</c>: every message of ours
/// goes through our serializer, even between actors of one system. The members publish given
/// services; the node specs (<see cref="ClusterNodeSpecs"/>) publish running ones.
/// </summary>
public sealed class CatalogSpecs(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ClusterMembers.MemberConfig(serializeMessages: true), PoetryClusterSettings.SystemName, output), IAsyncLifetime
{
    private readonly ClusterMembers _members = new();

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private static LocalServiceSource Poems(params string[] names) => LocalServiceSource.Fixed(names
        .Select((name, i) => new CatalogService("", name, "fastpoetry", $"127.0.0.1:{11000 + i}", name, 100 + i, new string((char)('a' + i), 64)))
        .ToList());

    private async Task<(ActorSystem[] Systems, IActorRef[] Catalogs)> ThreeMembersAsync()
    {
        var systems = new[] { Sys, _members.Start(ClusterMembers.MemberConfig(true)), _members.Start(ClusterMembers.MemberConfig(true)) };
        await ClusterMembers.JoinAsync(Deadline, systems);
        var catalogs = new[]
        {
            ClusterMembers.StartCatalog(systems[0], Poems("ecstasy", "science")),
            ClusterMembers.StartCatalog(systems[1], Poems("lorelei")),
            ClusterMembers.StartCatalog(systems[2], Poems("ozymandias", "raven", "cummings")),
        };
        return (systems, catalogs);
    }

    [Fact]
    public async Task Three_members_form_a_cluster_and_every_catalog_converges_to_every_members_services()
    {
        var (systems, catalogs) = await ThreeMembersAsync();

        foreach (var catalog in catalogs)
        {
            var current = await ClusterMembers.CatalogWhenAsync(catalog, Deadline, c => c.Services.Count == 6, "six services");
            Assert.Equal(3, current.Members.Count);
            Assert.All(current.Members, m => Assert.Equal("up", m.Status));
            Assert.Equal(["cummings", "ecstasy", "lorelei", "ozymandias", "raven", "science"], current.Services.Select(s => s.Poem!).Order());
            var lorelei = Assert.Single(current.Services, s => s.Poem == "lorelei");
            Assert.Equal(Akka.Cluster.Cluster.Get(systems[1]).SelfAddress.ToString(), lorelei.Node);
            Assert.Equal("127.0.0.1:11000", lorelei.Endpoint);
        }
    }

    [Fact]
    public async Task A_member_that_dies_abruptly_leaves_the_catalog_and_the_oldest_removes_its_entry()
    {
        var (systems, catalogs) = await ThreeMembersAsync();
        await ClusterMembers.CatalogWhenAsync(catalogs[0], Deadline, c => c.Services.Count == 6, "six services");
        var dead = CatalogActor.OwnerId(Akka.Cluster.Cluster.Get(systems[2]).SelfUniqueAddress);

        // No leaving: the others learn of it from the failure detector, and the resolver downs it.
        await systems[2].Terminate();

        foreach (var catalog in catalogs[..2])
        {
            var current = await ClusterMembers.CatalogWhenAsync(catalog, Deadline, c => c.Services.Count == 3, "the dead member's three services gone");
            Assert.DoesNotContain(current.Services, s => s.Poem is "ozymandias" or "raven" or "cummings");
        }
        // Pruning would not remove its chunks: the oldest member deletes them, on every replica.
        foreach (var system in systems[..2])
        {
            var data = CatalogReplica.Of(system);
            await ClusterMembers.WaitUntilAsync(Deadline,
                () => data.KeysAsync().Result.All(k => CatalogKeys.OwnerOf(k) != dead),
                "the dead member's chunks deleted");
        }
    }

    [Fact]
    public async Task A_cluster_client_outside_the_cluster_gets_the_catalog_through_the_receptionist()
    {
        var (systems, catalogs) = await ThreeMembersAsync();
        foreach (var catalog in catalogs)
        {
            await ClusterMembers.CatalogWhenAsync(catalog, Deadline, c => c.Services.Count == 6, "six services");
        }

        var client = _members.StartClient();
        var contact = Akka.Cluster.Cluster.Get(systems[1]).SelfAddress;

        var answer = await CatalogClient.QueryAsync(client, [new NetAddress(contact.Host!, contact.Port!.Value)], Deadline);

        var current = Assert.IsType<CatalogClient.Answer.Answered>(answer).Catalog;
        // The client may settle on any member's receptionist: that member answers.
        Assert.Contains(current.Answerer, systems.Select(s => Akka.Cluster.Cluster.Get(s).SelfAddress.ToString()));
        Assert.Equal(6, current.Services.Count);
        Assert.Equal(3, current.Members.Count);
    }

    [Fact]
    public async Task A_cluster_client_whose_contacts_are_all_down_is_told_every_address_it_tried()
    {
        var client = _members.StartClient();
        NetAddress[] contacts = [new("127.0.0.1", FreePort()), new("127.0.0.1", FreePort())];

        var answer = await CatalogClient.QueryAsync(client, contacts, TimeSpan.FromSeconds(1));

        var reason = Assert.IsType<CatalogClient.Answer.NoAnswer>(answer).Reason;
        Assert.Equal($"no contact point of the cluster answered within 1s (tried {contacts[0]}, {contacts[1]})", reason);
    }

    [Fact]
    public async Task A_node_whose_services_outgrow_its_limit_publishes_those_that_fit_and_logs_the_others()
    {
        await ClusterMembers.JoinAsync(Deadline, Sys);
        var names = Enumerable.Range(0, 200).Select(i => $"poem-{i:000}").ToArray();
        var limits = ClusterMembers.FastCatalog with { MaxChunkBytes = 2048, MaxNodeBytes = 8192 };

        var catalog = await EventFilter.Error(contains: "of this node's 200 services are not published").ExpectOneAsync(
            Deadline, () => Task.FromResult(ClusterMembers.StartCatalog(Sys, Poems(names), limits)));

        var current = await ClusterMembers.CatalogWhenAsync(catalog, Deadline, c => c.Services.Count > 0, "some services");
        Assert.InRange(current.Services.Count, 20, 199);
        // Those published are the first in name order, in several chunks that each fit.
        Assert.Equal(names.Take(current.Services.Count), current.Services.Select(s => s.Name));
        var keys = await CatalogReplica.Of(Sys).KeysAsync();
        Assert.True(keys.Count > 1, "the entry is split into chunks");
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
