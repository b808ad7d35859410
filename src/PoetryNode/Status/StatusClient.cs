using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PoetryNode.Status;

/// <summary>
/// The other end of <c>/status.json</c>, for <c>poetry-node status</c>: fetches a node's status
/// and prints it as a table. Distinguishes a node that answers (ready or not) from nothing
/// answering at all (refused, timed out, or not a poetry node's status endpoint).
/// </summary>
internal static class StatusClient
{
    /// <summary>The status at <paramref name="baseUrl"/>, or why there is none.</summary>
    public static async Task<(NodeStatus? Status, string? Json, string? Problem)> FetchAsync(Uri baseUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = timeout };
        var url = new Uri(baseUrl, "status.json");
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, null, $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: is this a poetry node's status endpoint?");
            }

            var status = JsonSerializer.Deserialize<NodeStatus>(text, StatusReport.Json);
            return status is null ? (null, null, $"{url} answered an empty document") : (status, text, null);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException socket ? socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is the node running with a status port?)",
                SocketError.HostNotFound => "no such host",
                _ => socket.Message,
            } : e.Message;
            return (null, null, $"{url}: {reason}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null, $"{url}: no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (JsonException e)
        {
            return (null, null, $"{url} did not answer a node's status: {e.Message}");
        }
    }

    /// <summary>The status as people read it: the node, its readiness, its services with their counters, its checks and warnings.</summary>
    public static string Format(NodeStatus status)
    {
        var text = new StringBuilder();
        var node = status.Node;
        text.AppendLine($"{node.Deployment}: {(status.Ready ? "ready" : "NOT READY")}, pid {node.Pid}, up {TimeSpan.FromSeconds(Math.Floor(node.UptimeSeconds)):c}, poetry-node {node.Version}");
        text.AppendLine();

        var rows = new List<string[]> { new[] { "SERVICE", "KIND", "STATE", "ENDPOINT", "POEMS", "BYTES", "IN FLIGHT", "CUT", "OTHER" } };
        void Add(IEnumerable<ServiceStatus> services, string indent)
        {
            foreach (var service in services.Where(s => s.Kind != "part"))
            {
                var c = service.Counters;
                var poems = c is not null && c.Roles.Contains("poems");
                rows.Add([
                    indent + service.Name, service.Kind, service.State,
                    service.Endpoints.Count == 0 ? "-" : string.Join(", ", service.Endpoints),
                    poems ? c!.Poems.ToString() : "", poems ? c!.Bytes.ToString() : "", c is null ? "" : c.InFlight.ToString(),
                    c is null ? "" : c.Cut.ToString(), c is null ? "" : Other(c),
                ]);
                Add(service.Children, indent + "  ");
            }
        }
        Add(status.Services, "");
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i is >= 4 and <= 7 ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd());
        }

        text.AppendLine();
        foreach (var check in status.Checks)
        {
            text.AppendLine($"check {check.Name}: {check.Status}{(check.Description is { } d ? " (" + d + ")" : "")}");
        }

        if (status.Downloads.Count > 0)
        {
            text.AppendLine("downloads: " + string.Join(", ", status.Downloads.Select(d => $"{d.Key} {d.Value}")));
        }

        if (status.Cluster is { } cluster)
        {
            text.AppendLine(cluster.Members.Count == 0
                ? "cluster: not joined yet (no members seen)"
                : $"cluster: {cluster.Members.Count} members, {cluster.Services.Count} services in the catalog");
            foreach (var member in cluster.Members)
            {
                text.AppendLine($"  {member.Address} {member.Status} [{string.Join(", ", member.Roles)}]");
            }

            foreach (var service in cluster.Services)
            {
                var poem = service.Poem is { } name ? $" poem {name} ({service.Bytes} bytes)" : "";
                text.AppendLine($"  {service.Node} {service.Name} {service.Kind} {service.Endpoint}{poem}");
            }
        }
        if (status.Warnings.Count > 0)
        {
            text.AppendLine($"recent warnings ({status.Warnings.Count}):");
            foreach (var warning in status.Warnings.TakeLast(5))
            {
                text.AppendLine($"  {warning.Time:HH:mm:ss} {warning.Source}: {warning.Message}");
            }
        }
        return text.ToString();
    }

    private static string Other(ServiceCounters c)
    {
        var parts = new List<string>();
        if (c.CacheHits + c.CacheMisses + c.UpstreamFetches > 0)
        {
            parts.Add($"hits {c.CacheHits}, misses {c.CacheMisses}, fetches {c.UpstreamFetches} ({c.UpstreamFailures} failed)");
        }

        parts.AddRange(c.Transforms.Select(t => $"{t.Key} {t.Value}"));
        return string.Join("; ", parts);
    }
}
