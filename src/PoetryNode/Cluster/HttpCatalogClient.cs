using System.Net;
using static PoetryActors.Cluster.CatalogClient;

namespace PoetryNode.Cluster;

/// <summary>
/// Asks a cluster for its catalog over HTTP: <c>GET /catalog.json</c> of every member's status
/// endpoint given (<c>http://HOST:PORT</c>) at once, the first valid answer wins
/// (<see cref="CatalogJsonEndpoint"/> is the other end). No actor system and no remoting are
/// started, which is what makes <c>get --cluster http://...</c> as quick to start as a plain
/// <c>get</c>. Every way an endpoint can fail (refused, no answer in time, not a poetry node,
/// a node that is not a cluster member, an answer too large or not a catalog) is a
/// <see cref="Answer.NoAnswer"/> of one line naming every address tried, never an exception.
/// The request goes over a plain socket (<see cref="StatusEndpointGet"/>), not HttpClient, whose
/// first request cost about 65 ms of CPU at every start.
/// </summary>
internal static class HttpCatalogClient
{
    /// <summary>
    /// The largest answer read. A catalog of 10,000 services is about 3 MB of indented JSON; this
    /// bounds what a hostile or confused server can make the client buffer.
    /// </summary>
    public const long MaxAnswerBytes = 64L * 1024 * 1024;

    // A line of the 404 of a node that is not a member is short; nothing more is read of it.
    private const int NotAMemberProbeBytes = 256;

    /// <summary>Asks every endpoint in <paramref name="contacts"/> at once and takes the first catalog, waiting at most <paramref name="timeout"/>.</summary>
    public static async Task<Answer> AskAsync(IReadOnlyList<Uri> contacts, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var asks = contacts.Select(c => AskOneAsync(c, deadline.Token)).ToList();
        var failures = new List<string>();
        var timedOut = 0;
        while (asks.Count > 0)
        {
            var done = await Task.WhenAny(asks).ConfigureAwait(false);
            asks.Remove(done);
            var (answer, failure) = await done.ConfigureAwait(false);
            if (answer is not null)
            {
                // The others are not wanted any more: the deadline's cancellation closes their connections.
                await deadline.CancelAsync().ConfigureAwait(false);
                return answer;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (failure is null)
            {
                timedOut++;
            }
            else
            {
                failures.Add(failure);
            }
        }

        var tried = string.Join(", ", contacts.Select(Show));
        var seconds = ClusterContacts.Seconds(timeout);
        return new Answer.NoAnswer(failures.Count == 0
            ? $"no contact point of the cluster answered within {seconds} (tried {tried})"
            : $"no contact point of the cluster gave its catalog (tried {tried}): {string.Join("; ", failures)}"
              + (timedOut > 0 ? $"; {timedOut} more gave no answer within {seconds}" : ""));
    }

    /// <summary>An endpoint as the user gave it (<c>http://127.0.0.1:11080</c>), for messages.</summary>
    public static string Show(Uri contact) => contact.GetLeftPart(UriPartial.Authority);

    // (answer, null) on success; (null, reason) on a failure; (null, null) when the deadline came first.
    private static async Task<(Answer? Answer, string? Failure)> AskOneAsync(Uri contact, CancellationToken deadline)
    {
        var url = $"{Show(contact)}{CatalogJsonEndpoint.Path}";
        try
        {
            var got = await StatusEndpointGet.GetAsync(contact, CatalogJsonEndpoint.Path, deadline).ConfigureAwait(false);
            if (got is not StatusEndpointGet.Answered response)
            {
                return (null, $"{Show(contact)}: {((StatusEndpointGet.Failure)got).Reason}");
            }

            using (response)
            {
                if (response.Status is < 200 or > 299)
                {
                    return (null, await RefusalAsync(response, contact, url, deadline).ConfigureAwait(false));
                }

                if (response.ContentLength > MaxAnswerBytes)
                {
                    return (null, $"{url} answered {response.ContentLength} bytes, more than a catalog's {MaxAnswerBytes}");
                }

                if (!response.Headers.TryGetValue(CatalogJsonEndpoint.MemberHeader, out var members)
                    || members is not [{ Length: > 0 and <= 512 } member] || member.Any(char.IsControl))
                {
                    return (null, $"{url} answered without a valid {CatalogJsonEndpoint.MemberHeader} header: not a poetry cluster member's status endpoint");
                }

                if (await StatusEndpointGet.ReadBodyAsync(response, MaxAnswerBytes, deadline).ConfigureAwait(false) is not { } body)
                {
                    return (null, $"{url} answered more than a catalog's {MaxAnswerBytes} bytes");
                }

                try
                {
                    return (new Answer.Answered(CatalogJson.Read(body, member)), null);
                }
                catch (FormatException e)
                {
                    return (null, $"{url} did not answer a cluster catalog: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return (null, null);
        }
        catch (IOException e)
        {
            // The connection ended or broke in the middle of the answer's body.
            return (null, $"{url}: the answer broke off ({OneLine(e.Message)})");
        }
    }

    private static async Task<string> RefusalAsync(StatusEndpointGet.Answered response, Uri contact, string url, CancellationToken deadline)
    {
        var status = $"{response.Status} {response.Reason}";
        if (response.Status == (int)HttpStatusCode.NotFound)
        {
            // A poetry node without a cluster section says so in its first words; read no more than those.
            var start = await StatusEndpointGet.ReadStartAsync(response, NotAMemberProbeBytes, deadline).ConfigureAwait(false);
            if (start.StartsWith(CatalogJsonEndpoint.NotAMember, StringComparison.Ordinal))
            {
                return $"{Show(contact)} is a poetry node but not a cluster member (it runs without a poetry.cluster section)";
            }

            return $"{url} answered {status}: not a poetry cluster member's status endpoint";
        }

        return response.Status == (int)HttpStatusCode.ServiceUnavailable
            ? $"{url} answered {status}: the member is not Up in the cluster yet, or its catalog did not answer"
            : $"{url} answered {status}: not a poetry cluster member's status endpoint";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
