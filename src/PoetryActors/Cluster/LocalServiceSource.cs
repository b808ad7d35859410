using System.Net;
using Akka.Actor;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Server;
using static PoetryActors.Listening.ListenerProtocol;
using static PoetryActors.Server.PoemProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// Where a member's catalog actor learns what this node serves: <see cref="DescribeAsync"/> lists
/// the services running now (a service that is not listening is left out). <see cref="ForNode"/>
/// reads a node's service tree; <see cref="Fixed"/> is a given list (tests and benchmarks).
/// </summary>
public abstract class LocalServiceSource
{
    /// <summary>The services running now, each with <see cref="CatalogService.Node"/> set to <paramref name="node"/>.</summary>
    public abstract Task<IReadOnlyList<CatalogService>> DescribeAsync(string node, CancellationToken cancellationToken);

    /// <summary>The same source for a node that now runs <paramref name="entries"/> (after a reload); a fixed source ignores them.</summary>
    public virtual LocalServiceSource WithEntries(IReadOnlyList<DeploymentEntry> entries) => this;

    /// <summary>A source that always describes <paramref name="services"/> (their <c>Node</c> is replaced).</summary>
    public static LocalServiceSource Fixed(IReadOnlyList<CatalogService> services) => new FixedSource(services);

    /// <summary>
    /// A source that reads the services of <paramref name="entries"/> from the running tree under
    /// <paramref name="root"/> (the node's <c>/user/node</c>): each listener's bound address and,
    /// for poem services, the poem they hold. Wildcard interfaces are published as
    /// <paramref name="publicHostname"/>.
    /// </summary>
    public static LocalServiceSource ForNode(ActorSystem system, ActorPath root, IReadOnlyList<DeploymentEntry> entries, string publicHostname) =>
        new NodeSource(system, root, entries, publicHostname);

    private sealed class FixedSource(IReadOnlyList<CatalogService> services) : LocalServiceSource
    {
        public override Task<IReadOnlyList<CatalogService>> DescribeAsync(string node, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<CatalogService>>(services.Select(s => s with { Node = node }).ToList());
    }

    private sealed class NodeSource(ActorSystem system, ActorPath root, IReadOnlyList<DeploymentEntry> entries, string publicHostname) : LocalServiceSource
    {
        private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(3);

        public override LocalServiceSource WithEntries(IReadOnlyList<DeploymentEntry> newEntries) => new NodeSource(system, root, newEntries, publicHostname);

        // Which children of a kind's collection listen, and which poem service each one serves.
        private static IReadOnlyList<(string Listener, string? Poem, string Suffix)> Listeners(DeploymentEntry entry) => entry.Kind!.Name switch
        {
            FastPoetryKind.Name when entry.Options!.Has("poem2") => [("listener", "poem", ""), ("listener2", "poem2", "/poem2")],
            FastPoetryKind.Name or SlowPoetryKind.Name => [("listener", "poem", "")],
            _ => [("listener", null, "")],
        };

        public override async Task<IReadOnlyList<CatalogService>> DescribeAsync(string node, CancellationToken cancellationToken)
        {
            var lookups = new List<Task<CatalogService?>>();
            foreach (var (path, entry) in Flatten(entries, ""))
            {
                foreach (var (listener, poem, suffix) in Listeners(entry))
                {
                    lookups.Add(DescribeAsync(node, path, entry.Kind!.Name, listener, poem, suffix, cancellationToken));
                }
            }

            var found = await Task.WhenAll(lookups).ConfigureAwait(false);
            return found.OfType<CatalogService>().ToList();
        }

        private static IEnumerable<(string Path, DeploymentEntry Entry)> Flatten(IEnumerable<DeploymentEntry> entries, string prefix)
        {
            foreach (var entry in entries)
            {
                var path = prefix + entry.Name;
                if (entry.Kind is not null)
                {
                    yield return (path, entry);
                }
                else
                {
                    foreach (var nested in Flatten(entry.Children, path + "/"))
                    {
                        yield return nested;
                    }
                }
            }
        }

        private async Task<CatalogService?> DescribeAsync(
            string node, string path, string kind, string listener, string? poemService, string suffix, CancellationToken cancellationToken)
        {
            var collection = path.Split('/').Aggregate(root, (p, element) => p / element);
            object bound;
            try
            {
                // Resolved first: a listener that does not exist yet (the node is still starting)
                // answers Identify at once, where an ask through the selection would wait for AskLimit.
                var actor = await system.ActorSelection(collection / listener).ResolveOne(AskLimit, cancellationToken).ConfigureAwait(false);
                bound = await actor.Ask<object>(GetBoundAddress.Instance, AskLimit, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException or OperationCanceledException)
            {
                return null;
            }
            if (bound is not BoundTo { Address: var address })
            {
                return null;
            }

            var host = address.Address.Equals(IPAddress.Any) || address.Address.Equals(IPAddress.IPv6Any)
                ? publicHostname
                : address.Address.ToString();
            var service = new CatalogService(node, path + suffix, kind, new Kinds.NetAddress(host, address.Port).ToString());
            if (poemService is null)
            {
                return service;
            }

            try
            {
                var poemActor = await system.ActorSelection(collection / poemService).ResolveOne(AskLimit, cancellationToken).ConfigureAwait(false);
                var answer = await poemActor.Ask<object>(GetPoem.Instance, AskLimit, cancellationToken).ConfigureAwait(false);
                if (answer is not CurrentPoem poem)
                {
                    return null;
                }

                return service with
                {
                    Poem = Path.GetFileNameWithoutExtension(poem.Source),
                    Bytes = poem.Poem.Length,
                    Sha256 = PoemDigest.Sha256(poem.Poem),
                };
            }
            catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException or OperationCanceledException)
            {
                return null;
            }
        }
    }
}
