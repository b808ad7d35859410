using Akka.Actor;
using Akka.Hosting;
using PoetryActors.Cluster;

namespace PoetryNode.Status;

/// <summary>
/// The cluster on a member's status page: this member's catalog actor is asked
/// <see cref="CatalogProtocol.GetCatalog"/>, and its <see cref="CatalogProtocol.CurrentCatalog"/>
/// (the members with their roles and status, the services of the members Up and reachable) becomes
/// the <see cref="ClusterStatus"/> of <c>/status.json</c>, the page and <c>poetry-node status</c>.
/// Before the catalog exists, or when it does not answer in time, the node shows no cluster
/// (its readiness says why: Akka.Cluster.Hosting's check is unhealthy until the member is Up).
/// </summary>
internal sealed class CatalogStatusSource(ActorRegistry registry) : IClusterStatusSource
{
    // The page asks once a second: an answer later than this is not worth waiting for.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    public async Task<ClusterStatus?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!registry.TryGet<PoetryCatalog>(out var catalog))
        {
            return null;
        }

        try
        {
            var current = await catalog.Ask<CatalogProtocol.CurrentCatalog>(CatalogProtocol.GetCatalog.Instance, AskTimeout, cancellationToken);
            return new ClusterStatus(
                current.Members.Select(m => new ClusterMemberStatus(m.Address, m.Roles, m.Status)).ToList(),
                current.Services.Select(s => new CatalogServiceStatus(s.Node, s.Name, s.Kind, s.Endpoint, s.Poem, s.Bytes, s.Sha256)).ToList());
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}
