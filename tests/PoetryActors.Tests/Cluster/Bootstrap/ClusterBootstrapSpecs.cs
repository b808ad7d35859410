using System.Net.Http;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Newtonsoft.Json;
using PoetryActors.Cluster;
using PoetryActors.Cluster.Bootstrap;
using PoetryActors.Hosting;
using Xunit;
using Xunit.Abstractions;
using static Akka.Management.Cluster.Bootstrap.ContactPoint.HttpBootstrapJsonProtocol;

namespace PoetryActors.Tests.Cluster.Bootstrap;

/// <summary>
/// Cluster Bootstrap across real members in one process, with no seed nodes: each member's
/// management endpoint is bound to 127.0.0.1 port 0 first and its real port read back, then the
/// members are created with config discovery listing every endpoint, and Akka.Management's
/// bootstrap (probing, the lowest-address join decision) forms one cluster. Messages are
/// serialized (<c>serialize-messages = on</c>), and the catalog converges across the formed cluster.
/// </summary>
public sealed class ClusterBootstrapSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterMembers _members = new();
    private readonly List<BootstrapEndpoint> _endpoints = [];

    private static TimeSpan Deadline => TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _members.DisposeAsync();
        foreach (var endpoint in _endpoints)
        {
            await endpoint.DisposeAsync();
        }
    }

    /// <summary>A member that finds the others through config discovery of <paramref name="ports"/>.</summary>
    private static Config BootstrapMember(IEnumerable<int> ports, int required) => ConfigurationFactory.ParseString($$"""
        akka.discovery {
          method = config
          config {
            class = "Akka.Discovery.Config.ConfigServiceDiscovery, Akka.Discovery"
            services-path = akka.discovery.config.services
            services.poetry.endpoints = [{{string.Join(", ", ports.Select(p => $"\"127.0.0.1:{p}\""))}}]
          }
        }
        akka.management.cluster.bootstrap {
          contact-point-discovery {
            service-name = poetry
            discovery-method = config
            required-contact-point-nr = {{required}}
            stable-margin = 500ms
            interval = 200ms
          }
          contact-point {
            filter-on-fallback-port = false
            probe-interval = 200ms
          }
        }
        """).WithFallback(ClusterMembers.MemberConfig(serializeMessages: true));

    private async Task<BootstrapEndpoint> EndpointAsync()
    {
        var endpoint = await BootstrapEndpoint.StartAsync("127.0.0.1", "127.0.0.1", 0);
        _endpoints.Add(endpoint);
        return endpoint;
    }

    [Fact]
    public async Task Three_members_with_no_seed_nodes_form_one_cluster_from_config_discovery()
    {
        var endpoints = new[] { await EndpointAsync(), await EndpointAsync(), await EndpointAsync() };
        Assert.All(endpoints, e => Assert.NotEqual(0, e.Port));
        var config = BootstrapMember(endpoints.Select(e => e.Port), required: 3);
        var systems = endpoints.Select(_ => _members.Start(config)).ToArray();
        Assert.All(systems, s => Assert.Empty(Akka.Cluster.Cluster.Get(s).Settings.SeedNodes));

        var started = DateTime.UtcNow;
        for (var i = 0; i < systems.Length; i++)
        {
            await ClusterBootstrapHostingExtensions.StartAsync(systems[i], endpoints[i]);
        }

        await ClusterMembers.WaitUntilAsync(Deadline, () => systems.All(s =>
        {
            var state = Akka.Cluster.Cluster.Get(s).State;
            return state.Members.Count(m => m.Status == MemberStatus.Up) == 3 && state.Unreachable.IsEmpty;
        }), "three members Up in one cluster, as every member sees it");
        output.WriteLine($"formed in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");

        // One cluster, not three: every member sees the same three addresses.
        var addresses = systems.Select(s => Akka.Cluster.Cluster.Get(s).SelfAddress).OrderBy(a => a.ToString()).ToList();
        foreach (var system in systems)
        {
            Assert.Equal(addresses, Akka.Cluster.Cluster.Get(system).State.Members.Select(m => m.Address).OrderBy(a => a.ToString()));
        }

        // The catalog works over the cluster bootstrap formed.
        var catalogs = systems.Select((s, i) => ClusterMembers.StartCatalog(s, LocalServiceSource.Fixed(
            [new CatalogService("", $"poem{i}", "fastpoetry", $"127.0.0.1:{11000 + i}", $"poem{i}", 10, new string('a', 64))]))).ToArray();
        await ClusterMembers.CatalogWhenAsync(catalogs[2], Deadline, c => c.Services.Count == 3, "every member's service in the catalog");
    }

    [Fact]
    public async Task A_member_started_after_the_cluster_formed_joins_it_through_the_contact_points()
    {
        var endpoints = new[] { await EndpointAsync(), await EndpointAsync(), await EndpointAsync() };
        // The first two know each other only; they form the cluster.
        var config = BootstrapMember(endpoints[..2].Select(e => e.Port), required: 2);
        var first = new[] { _members.Start(config), _members.Start(config) };
        for (var i = 0; i < 2; i++)
        {
            await ClusterBootstrapHostingExtensions.StartAsync(first[i], endpoints[i]);
        }

        await ClusterMembers.WaitUntilAsync(Deadline,
            () => first.All(s => Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) == 2), "the first two Up");

        // A member added later lists all three: the running ones tell it the seed nodes, and it joins.
        var late = _members.Start(BootstrapMember(endpoints.Select(e => e.Port), required: 2));
        await ClusterBootstrapHostingExtensions.StartAsync(late, endpoints[2]);
        await ClusterMembers.WaitUntilAsync(Deadline,
            () => Akka.Cluster.Cluster.Get(first[0]).State.Members.Count(m => m.Status == MemberStatus.Up) == 3
                  && Akka.Cluster.Cluster.Get(late).SelfMember.Status == MemberStatus.Up,
            "the latecomer Up in the same cluster");
    }

    [Fact]
    public async Task The_endpoint_answers_probes_with_the_members_in_Akka_Managements_json_and_503_before_its_system()
    {
        var endpoint = await EndpointAsync();
        using var http = new HttpClient();
        var url = new Uri(endpoint.SelfUri, "bootstrap/seed-nodes");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await http.GetAsync(url)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(new Uri(endpoint.SelfUri, "other"))).StatusCode);

        var system = _members.Start(BootstrapMember([endpoint.Port], required: 1));
        await ClusterBootstrapHostingExtensions.StartAsync(system, endpoint);
        var cluster = Akka.Cluster.Cluster.Get(system);
        // One contact point that is itself: it forms the cluster alone.
        await ClusterMembers.WaitUntilAsync(Deadline, () => cluster.SelfMember.Status == MemberStatus.Up, "the lone member Up");

        // Read back with the library's own types, as its prober reads it.
        var answer = JsonConvert.DeserializeObject<SeedNodes>(await http.GetStringAsync(url))!;
        Assert.Equal(cluster.SelfAddress, answer.SelfNode);
        var member = Assert.Single(answer.Nodes);
        Assert.Equal(cluster.SelfAddress, member.Node);
        Assert.Equal(MemberStatus.Up, member.Status);
    }

    [Fact]
    public async Task A_management_port_in_use_is_refused_with_one_line_naming_it()
    {
        var taken = await EndpointAsync();
        var refused = await Assert.ThrowsAsync<NodeStartException>(() => BootstrapEndpoint.StartAsync("127.0.0.1", "127.0.0.1", taken.Port));
        Assert.Contains($"127.0.0.1:{taken.Port}", refused.Message);
        Assert.Contains("address already in use", refused.Message);
    }
}
