using Akka.Actor;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Proxy;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// A proxy's fetch of a poem by name (<c>upstream = "poem:NAME"</c>): the member's own catalog
/// (<c>/user/catalog</c>) is asked at every fetch which Up and reachable members serve the poem,
/// so a member that left is never asked and one that joined is; this member's own copy comes
/// first, then the others with the same SHA-256. What arrives is checked against the catalog's
/// SHA-256 before the proxy may cache it; on a failure or a mismatch the next member is tried.
/// A name no member serves yet is a failed fetch that says so (the proxy's clients get zero
/// bytes and the next request looks again). Plain async code, no actor.
/// </summary>
internal static class NamedPoemUpstream
{
    /// <summary>Fetches the poem named <paramref name="name"/> from the cluster of <paramref name="system"/>, within <paramref name="limits"/>.</summary>
    public static async Task<UpstreamFetch> FetchAsync(ActorSystem system, string name, FetchLimits limits, CancellationToken cancel)
    {
        CurrentCatalog catalog;
        try
        {
            // Resolved first: a node that is no member has no catalog, and that is known at once.
            var selection = system.ActorSelection($"/user/{CatalogActor.ActorName}");
            var local = await selection.ResolveOne(limits.ConnectTimeout, cancel).ConfigureAwait(false);
            catalog = await local.Ask<CurrentCatalog>(GetCatalog.Instance, limits.ConnectTimeout, cancel).ConfigureAwait(false);
        }
        catch (ActorNotFoundException)
        {
            return new UpstreamFetch.Failed($"poem:{name} needs this node to be a cluster member (a poetry.cluster section, or --seed), and it is not");
        }
        catch (AskTimeoutException)
        {
            return new UpstreamFetch.Failed($"poem:{name}: this node's cluster catalog did not answer within {limits.ConnectTimeout.TotalSeconds:0.###} s");
        }

        var serving = catalog.ServingPoem(name).Where(s => s.Sha256 is not null)
            .OrderBy(s => s.Node == catalog.Answerer ? 0 : 1).ThenBy(s => s.Node, StringComparer.Ordinal)
            .ToList();
        if (serving.Count == 0)
        {
            return new UpstreamFetch.Failed($"no member of the cluster serves a poem named '{name}' yet ({catalog.Members.Count} members, {catalog.Services.Count(s => s.Poem is not null)} poems in the catalog)");
        }

        // This member's copy names the content; others are fallbacks only when they hold the same.
        var sha256 = serving[0].Sha256!;
        var failures = new List<string>();
        foreach (var service in serving.Where(s => s.Sha256 == sha256))
        {
            if (!NetAddress.TryParse(service.Endpoint, out var address, out var error))
            {
                failures.Add($"{service.Node} publishes '{service.Endpoint}': {error}");
                continue;
            }
            var fetched = await PoemFetcher.FetchAsync(address, limits, cancel).ConfigureAwait(false);
            switch (fetched)
            {
                case FetchResult.Fetched { Poem: var poem } when PoemDigest.Sha256(poem) == sha256:
                    return new UpstreamFetch.Fetched(poem, $"{address} (poem:{name} of {service.Node})");
                case FetchResult.Fetched { Poem: var poem }:
                    failures.Add($"{address} sent {poem.Length} bytes whose SHA-256 is not the catalog's {sha256[..12]}...");
                    break;
                case DownloadFailed failed:
                    failures.Add(failed.Reason);
                    break;
            }
        }
        return new UpstreamFetch.Failed($"every member serving '{name}' failed: {string.Join("; ", failures)}");
    }
}
