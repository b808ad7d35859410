using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PoetryActors.Cluster;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryNode.Cluster;

/// <summary>
/// <c>GET /catalog.json</c> on a member's status endpoint: this member's catalog, as the document
/// <c>catalog --json</c> prints (<see cref="CatalogJson"/>: the members, and the services of the
/// members Up and reachable), with the member's own remoting address in the
/// <see cref="MemberHeader"/> header. It lets <c>get --cluster http://HOST:PORT</c> and
/// <c>catalog --cluster http://HOST:PORT</c> look the cluster up with one HTTP request, without
/// starting Akka remoting in the client. A node that is not a cluster member answers 404 saying
/// so (<see cref="NotAMember"/>); a member not Up in the cluster (not joined yet, leaving), or a
/// catalog that does not answer in time, 503.
/// </summary>
internal static class CatalogJsonEndpoint
{
    /// <summary>The path.</summary>
    public const string Path = "/catalog.json";

    /// <summary>The header that names the answering member (<c>akka.tcp://poetry@HOST:PORT</c>), which the document does not carry.</summary>
    public const string MemberHeader = "Poetry-Member";

    /// <summary>How a node without a cluster section begins its 404 answer, so that a client can tell it from any other 404.</summary>
    public const string NotAMember = "not a cluster member";

    // The catalog answers from its own replica, in microseconds; this bounds a member in trouble.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Answers the request in <paramref name="context"/>.</summary>
    public static async Task ServeAsync(HttpContext context)
    {
        var response = context.Response;
        if (context.RequestServices.GetService<ActorRegistry>() is not { } registry || !registry.TryGet<PoetryCatalog>(out var catalog))
        {
            await PlainAsync(context, StatusCodes.Status404NotFound,
                $"{NotAMember}: this poetry node runs without a poetry.cluster section, so it has no catalog\n");
            return;
        }

        CurrentCatalog current;
        try
        {
            current = await catalog.Ask<CurrentCatalog>(GetCatalog.Instance, AskTimeout, context.RequestAborted);
        }
        catch (AskTimeoutException)
        {
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"the member's catalog did not answer within {ClusterContacts.Seconds(AskTimeout)}\n");
            return;
        }

        // A member that has not joined yet (or is on its way out) knows no cluster to speak of: an
        // empty catalog from it would read as "no such poem". The cluster client's receptionist
        // is silent then too; the client asks its other contact points.
        var self = current.Members.FirstOrDefault(m => m.Address == current.Answerer);
        if (self is not { Status: "up" })
        {
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"this member is not Up in the cluster ({self?.Status ?? "not joined yet"}): its catalog is not the cluster's\n");
            return;
        }

        // One buffer with its length, so that a client reads exactly one document and knows its size up front.
        var body = CatalogJson.ToBytes(current);
        response.ContentType = "application/json; charset=utf-8";
        response.Headers[MemberHeader] = current.Answerer;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static Task PlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
