using Akka.Actor;
using Akka.Hosting;
using PoetryActors.Deployment;
using PoetryActors.Hosting;
using PoetryActors.Instruments;
using PoetryNode.Hosting;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryNode.Status;

/// <summary>
/// Reads the node's service tree as it is now: the root collection's services with their
/// running state (asked of the collections themselves), their kinds (from the deployment), the
/// addresses their listeners are bound to and their counters (from <see cref="ServiceInstruments"/>).
/// Every question has a short timeout: a collection busy with a start or a stop is shown as
/// <c>busy</c> rather than holding the page.
/// </summary>
internal sealed class ServiceTreeReader(IRequiredActor<PoetryNodeRoot> root, DeploymentSource source)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Whether the root collection runs, and its services.</summary>
    public async Task<(string RootState, IReadOnlyList<ServiceStatus> Services)> ReadAsync(CancellationToken cancellationToken)
    {
        var node = await root.GetAsync(cancellationToken);
        CurrentStatus status;
        try
        {
            status = await node.Ask<CurrentStatus>(GetStatus.Instance, AskTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            // A collection answers only between its steps: a long start or stop keeps it busy.
            return ("busy", []);
        }
        var services = await ReadChildrenAsync(node, "", source.Initial.Services, cancellationToken);
        return (status.Running ? "running" : "stopped", services);
    }

    private async Task<IReadOnlyList<ServiceStatus>> ReadChildrenAsync(IActorRef collection, string prefix,
        IReadOnlyList<DeploymentEntry> entries, CancellationToken cancellationToken)
    {
        CurrentServices children;
        try
        {
            children = await collection.Ask<CurrentServices>(GetServices.Instance, AskTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return [];
        }

        var result = new List<ServiceStatus>(children.Services.Count);
        foreach (var child in children.Services)
        {
            var path = prefix + child.Name;
            var entry = entries.FirstOrDefault(e => e.Name == child.Name);
            var instruments = ServiceInstruments.For(path);
            var parts = await ReadPartsAsync(collection, child, path, entry, cancellationToken);
            result.Add(new ServiceStatus(
                child.Name,
                path,
                entry is null ? "-" : entry.IsCollection ? "collection" : entry.Kind!.Name,
                State(child, parts),
                instruments.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToList(),
                entry is { IsCollection: true } ? null : Counters(instruments),
                parts));
        }
        return result;
    }

    /// <summary>
    /// A top-level or nested entry is always a collection: of the kind's parts (leaves, read for
    /// their state only) or of further entries (read in full). An entry the deployment the node
    /// started with does not know (added by a reload) is read one level deep.
    /// </summary>
    private async Task<IReadOnlyList<ServiceStatus>> ReadPartsAsync(IActorRef parent, CurrentStatus child, string path,
        DeploymentEntry? entry, CancellationToken cancellationToken)
    {
        CurrentService found;
        try
        {
            if (await parent.Ask<object>(new GetServiceNamed(child.Name), AskTimeout, cancellationToken) is not CurrentService service
                || service.Service.IsNobody())
            {
                return [];
            }

            found = service;
        }
        catch (AskTimeoutException)
        {
            return [];
        }

        if (entry is { IsCollection: true })
        {
            return await ReadChildrenAsync(found.Service, path + "/", entry.Children, cancellationToken);
        }

        try
        {
            var parts = await found.Service.Ask<CurrentServices>(GetServices.Instance, AskTimeout, cancellationToken);
            return parts.Services
                .Select(p => new ServiceStatus(p.Name, path + "/" + p.Name, "part", p.Running ? "running" : "stopped", [], null, []))
                .ToList();
        }
        catch (AskTimeoutException)
        {
            return [];
        }
    }

    private static string State(CurrentStatus service, IReadOnlyList<ServiceStatus> parts) =>
        !service.Running ? "stopped"
        : parts.Any(p => p.State != "running") ? "restarting"
        : "running";

    /// <summary>The counters of <paramref name="instruments"/>, as the page and the JSON show them.</summary>
    public static ServiceCounters Counters(ServiceInstruments instruments) => new(
        Enum.GetValues<ServiceRoles>().Where(r => r != ServiceRoles.None && instruments.Roles.HasFlag(r)).Select(r => r.ToString().ToLowerInvariant()).ToList(),
        instruments.Accepted, instruments.InFlight, instruments.PoemsServed, instruments.BytesSent, instruments.CutTotal,
        instruments.CacheHits, instruments.CacheMisses, instruments.UpstreamFetches, instruments.UpstreamFailures,
        instruments.Transforms.OrderBy(t => t.Key.Transform, StringComparer.Ordinal).ThenBy(t => t.Key.Outcome, StringComparer.Ordinal)
            .ToDictionary(t => $"{t.Key.Transform} {t.Key.Outcome}", t => t.Value));

    /// <summary>The sum of every service's counters.</summary>
    public static ServiceCounters Sum(IEnumerable<ServiceStatus> services)
    {
        var all = Flatten(services).Select(s => s.Counters).OfType<ServiceCounters>().ToList();
        return new ServiceCounters(
            all.SelectMany(c => c.Roles).Distinct().Order(StringComparer.Ordinal).ToList(),
            all.Sum(c => c.Accepted), all.Sum(c => c.InFlight), all.Sum(c => c.Poems), all.Sum(c => c.Bytes), all.Sum(c => c.Cut),
            all.Sum(c => c.CacheHits), all.Sum(c => c.CacheMisses), all.Sum(c => c.UpstreamFetches), all.Sum(c => c.UpstreamFailures),
            all.SelectMany(c => c.Transforms).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Sum(t => t.Value)));
    }

    /// <summary>Every service of the tree, collections and their services alike, parts left out.</summary>
    public static IEnumerable<ServiceStatus> Flatten(IEnumerable<ServiceStatus> services) =>
        services.SelectMany(s => s.Kind == "part" ? [] : new[] { s }.Concat(Flatten(s.Children)));
}
