using System.Net;
using System.Net.Sockets;
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
        using var handler = new SocketsHttpHandler
        {
            // Status endpoints are the cluster's own, on its own network: an HTTP_PROXY meant for
            // the outside world must not stand between (remoting would not go through it either).
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var asks = contacts.Select(c => AskOneAsync(http, c, timeout, deadline.Token)).ToList();
        var failures = new List<string>();
        var timedOut = 0;
        while (asks.Count > 0)
        {
            var done = await Task.WhenAny(asks).ConfigureAwait(false);
            asks.Remove(done);
            var (answer, failure) = await done.ConfigureAwait(false);
            if (answer is not null)
            {
                // The others are not wanted any more: the deadline's disposal and the client's cancel them.
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
    private static async Task<(Answer? Answer, string? Failure)> AskOneAsync(HttpClient http, Uri contact, TimeSpan timeout, CancellationToken deadline)
    {
        var url = new Uri(contact, CatalogJsonEndpoint.Path);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, await RefusalAsync(response, contact, url, deadline).ConfigureAwait(false));
            }

            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                return (null, $"{url} answered {response.Content.Headers.ContentLength} bytes, more than a catalog's {MaxAnswerBytes}");
            }

            if (!response.Headers.TryGetValues(CatalogJsonEndpoint.MemberHeader, out var members)
                || members.ToList() is not [{ Length: > 0 and <= 512 } member] || member.Any(char.IsControl))
            {
                return (null, $"{url} answered without a valid {CatalogJsonEndpoint.MemberHeader} header: not a poetry cluster member's status endpoint");
            }

            if (await ReadBoundedAsync(response, deadline).ConfigureAwait(false) is not { } body)
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
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return (null, null);
        }
        catch (HttpRequestException e)
        {
            return (null, $"{Show(contact)}: {Reason(e, timeout)}");
        }
        catch (IOException e)
        {
            // The connection ended or broke in the middle of the answer's body.
            return (null, $"{url}: the answer broke off ({OneLine(e.Message)})");
        }
    }

    // The body, or null when it is longer than MaxAnswerBytes (a chunked answer has no length to refuse up front).
    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken deadline)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(deadline).ConfigureAwait(false);
        using var body = new MemoryStream((int)Math.Min(response.Content.Headers.ContentLength ?? 64 * 1024, MaxAnswerBytes));
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, deadline).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxAnswerBytes)
            {
                return null;
            }

            body.Write(chunk, 0, read);
        }

        return new ReadOnlyMemory<byte>(body.GetBuffer(), 0, (int)body.Length);
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response, Uri contact, Uri url, CancellationToken deadline)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            // A poetry node without a cluster section says so in its first words; read no more than those.
            await using var stream = await response.Content.ReadAsStreamAsync(deadline).ConfigureAwait(false);
            var start = new byte[NotAMemberProbeBytes];
            var read = await stream.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, deadline).ConfigureAwait(false);
            if (System.Text.Encoding.UTF8.GetString(start, 0, read).StartsWith(CatalogJsonEndpoint.NotAMember, StringComparison.Ordinal))
            {
                return $"{Show(contact)} is a poetry node but not a cluster member (it runs without a poetry.cluster section)";
            }

            return $"{url} answered {status}: not a poetry cluster member's status endpoint";
        }

        return response.StatusCode == HttpStatusCode.ServiceUnavailable
            ? $"{url} answered {status}: the member is not Up in the cluster yet, or its catalog did not answer"
            : $"{url} answered {status}: not a poetry cluster member's status endpoint";
    }

    private static string Reason(HttpRequestException e, TimeSpan timeout) =>
        e.InnerException is SocketException socket
            ? socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is the member running, with a status port?)",
                SocketError.HostNotFound or SocketError.NoData => "no such host",
                SocketError.TimedOut => $"no connection within {ClusterContacts.Seconds(timeout)}",
                _ => OneLine(socket.Message),
            }
            : e.HttpRequestError switch
            {
                HttpRequestError.ConfigurationLimitExceeded => "answered headers larger than HTTP's limits",
                HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded => "did not answer HTTP (is this a member's status port, not its remoting or a poem port?)",
                _ => OneLine(e.Message),
            };

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
