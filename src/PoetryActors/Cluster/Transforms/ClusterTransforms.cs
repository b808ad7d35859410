using Akka.Actor;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Transform;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// The cluster's transforms for the code that uses them: <see cref="ProvidersIn"/> finds the
/// transform providers of a catalog (every transform service of a member that is Up and
/// reachable, the actor of each at <c>MEMBER/user/node/SERVICE/transforms</c>), and
/// <see cref="TransformAsync"/> sends one poem through a <see cref="TransformRouterActor"/>.
/// </summary>
internal static class ClusterTransforms
{
    /// <summary>The transform role: members with it are the cluster's transform members, chosen before any other.</summary>
    public const string TransformRole = "transform";

    // How much longer than the request's own bound the asker waits: the router always answers first.
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromSeconds(2);

    /// <summary>The transform providers <paramref name="catalog"/> lists (it shows only members that are Up and reachable).</summary>
    public static IReadOnlyList<TransformProvider> ProvidersIn(CurrentCatalog catalog)
    {
        var roles = catalog.Members.ToDictionary(m => m.Address, m => m.Roles.Contains(TransformRole), StringComparer.Ordinal);
        return catalog.Services
            .Where(s => s.Kind == TransformKind.Name)
            .Select(s => NetAddress.TryParse(s.Endpoint, out var endpoint, out _)
                ? new TransformProvider(s.Node, $"{s.Node}/user/node/{s.Name}/transforms", endpoint, roles.GetValueOrDefault(s.Node))
                : null)
            .OfType<TransformProvider>()
            .ToList();
    }

    /// <summary>
    /// Sends <paramref name="poem"/> through the transform <paramref name="name"/> of one of the
    /// cluster's providers, as <paramref name="router"/> chooses, within the idle timeout of
    /// <paramref name="limits"/> and <paramref name="timeLeft"/>. Expected failures are
    /// <see cref="TransformResult.Failed"/> values; only <paramref name="cancel"/> throws.
    /// </summary>
    public static async Task<TransformResult> TransformAsync(
        IActorRef router, string name, byte[] poem, FetchLimits limits, TimeSpan timeLeft, CancellationToken cancel = default)
    {
        try
        {
            var answer = await router.Ask<RoutedTransform>(new RouteTransform(name, poem, limits, timeLeft), timeLeft + AnswerMargin, cancel)
                .ConfigureAwait(false);
            return answer.Result;
        }
        catch (AskTimeoutException)
        {
            return new TransformResult.Failed($"the cluster's transform router did not answer within {timeLeft.TotalSeconds:0.###} s", timeLeft);
        }
    }
}
