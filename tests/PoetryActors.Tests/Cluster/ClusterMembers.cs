using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using PoetryActors.Cluster;
using Xunit;

namespace PoetryActors.Tests.Cluster;

/// <summary>
/// Cluster members for tests: actor systems named <c>poetry</c> on 127.0.0.1 port 0 with short
/// timings (heartbeats every 200 ms, unreachable after 1 s, downed 2 s later), joined in code,
/// each with a catalog registered with the receptionist. The first member is usually the
/// TestKit's own system; the others are created and terminated here.
/// </summary>
internal sealed class ClusterMembers : IAsyncDisposable
{
    private readonly List<ActorSystem> _started = [];

    /// <summary>The catalog's settings for tests: quick republishing and sweeping.</summary>
    public static CatalogSettings FastCatalog { get; } = PoetryClusterSettings.Default.Catalog with
    {
        RepublishInterval = TimeSpan.FromSeconds(1),
        SweepInterval = TimeSpan.FromMilliseconds(500),
        GossipInterval = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A member's configuration; <paramref name="serializeMessages"/> turns on Akka's check that every message survives serialization.</summary>
    public static Config MemberConfig(bool serializeMessages, string roles = "[]") => ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = INFO
          actor.provider = cluster
          actor.serialize-messages = {{(serializeMessages ? "on" : "off")}}
          remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
          remote.log-remote-lifecycle-events = off
          # Terminating a member in a test is a crash, not a leave: no cluster phases.
          coordinated-shutdown.run-by-actor-system-terminate = off
          cluster {
            roles = {{roles}}
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver { active-strategy = keep-majority, stable-after = 2s }
            failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
            gossip-interval = 200ms
            leader-actions-interval = 200ms
            unreachable-nodes-reaper-interval = 250ms
            periodic-tasks-initial-delay = 100ms
            run-coordinated-shutdown-when-down = off
            distributed-data.gossip-interval = 200ms
            client.use-legacy-serialization = off
          }
        }
        """).WithFallback(CatalogClient.SerializerConfig);

    /// <summary>Starts another member (not joined yet).</summary>
    public ActorSystem Start(Config config)
    {
        var system = ActorSystem.Create(PoetryClusterSettings.SystemName, config);
        _started.Add(system);
        return system;
    }

    /// <summary>Starts an actor system outside the cluster that can use the cluster client.</summary>
    public ActorSystem StartClient()
    {
        var system = ActorSystem.Create("poetry-client", CatalogClient.Config());
        _started.Add(system);
        return system;
    }

    /// <summary>Starts <paramref name="system"/>'s catalog, publishing what <paramref name="source"/> describes.</summary>
    public static IActorRef StartCatalog(ActorSystem system, LocalServiceSource source, CatalogSettings? settings = null)
    {
        var catalog = system.ActorOf(CatalogActor.Props(settings ?? FastCatalog, source), CatalogActor.ActorName);
        ClusterClientReceptionist.Get(system).RegisterService(catalog);
        return catalog;
    }

    /// <summary>Joins every system to the first and waits until each one sees them all Up.</summary>
    public static async Task JoinAsync(TimeSpan deadline, params ActorSystem[] systems)
    {
        var first = Akka.Cluster.Cluster.Get(systems[0]).SelfAddress;
        foreach (var system in systems)
        {
            Akka.Cluster.Cluster.Get(system).Join(first);
        }

        await WaitUntilAsync(deadline, () => systems.All(s =>
        {
            var state = Akka.Cluster.Cluster.Get(s).State;
            return state.Members.Count(m => m.Status == MemberStatus.Up) == systems.Length && state.Unreachable.IsEmpty;
        }), $"{systems.Length} members Up");
    }

    /// <summary>Waits for <paramref name="condition"/>, checking every 50 ms, failing with <paramref name="what"/> after <paramref name="deadline"/>.</summary>
    public static async Task WaitUntilAsync(TimeSpan deadline, Func<bool> condition, string what)
    {
        var end = DateTime.UtcNow + deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                Assert.Fail($"not within {deadline.TotalSeconds:0.#} s: {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Asks <paramref name="catalog"/> until <paramref name="condition"/> holds for its answer; returns that answer.</summary>
    public static async Task<CatalogProtocol.CurrentCatalog> CatalogWhenAsync(
        IActorRef catalog, TimeSpan deadline, Func<CatalogProtocol.CurrentCatalog, bool> condition, string what)
    {
        var end = DateTime.UtcNow + deadline;
        CatalogProtocol.CurrentCatalog? last = null;
        while (true)
        {
            try
            {
                last = await catalog.Ask<CatalogProtocol.CurrentCatalog>(CatalogProtocol.GetCatalog.Instance, TimeSpan.FromSeconds(10));
                if (condition(last))
                {
                    return last;
                }
            }
            catch (AskTimeoutException)
            {
                // A loaded machine: ask again until the deadline.
            }
            if (DateTime.UtcNow > end)
            {
                Assert.Fail($"not within {deadline.TotalSeconds:0.#} s: {what}; the last catalog had {(last is null ? "no answer" : string.Join(", ", last.Services.Select(s => $"{s.Node}/{s.Name}")))}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var system in _started)
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        }
    }
}
