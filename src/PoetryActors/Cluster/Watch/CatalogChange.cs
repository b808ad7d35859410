using System.Globalization;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Cluster.Watch;

/// <summary>
/// One change between two catalogs as a watcher sees it: a member that came up, changed status,
/// became unreachable or reachable again, or was removed; a service that was added, removed or
/// changed; or the watcher losing and regaining contact with the cluster. <see cref="Event"/> is a
/// short kebab-case word (<c>member-up</c>, <c>service-added</c>), <see cref="Subject"/> the member
/// address or <c>NODE/NAME</c> of the service, <see cref="Detail"/> the rest in words.
/// </summary>
public sealed record CatalogChange(DateTimeOffset Time, string Event, string Subject, string Detail)
{
    /// <summary>The change as one line: <c>2026-12-01T09:20:01.123Z member-up 127.0.0.1:4053 roles=transform</c>.</summary>
    public override string ToString() =>
        $"{Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {Event} {Subject}{(Detail.Length > 0 ? " " + Detail : "")}";

    /// <summary>
    /// The changes from <paramref name="before"/> (null: nothing known yet, so every member and
    /// service is new) to <paramref name="after"/>: members first (in address order), then services.
    /// </summary>
    public static IReadOnlyList<CatalogChange> Between(CurrentCatalog? before, CurrentCatalog after, DateTimeOffset time)
    {
        var changes = new List<CatalogChange>();
        var oldMembers = (before?.Members ?? []).ToDictionary(m => m.Address, StringComparer.Ordinal);
        var newMembers = after.Members.ToDictionary(m => m.Address, StringComparer.Ordinal);
        foreach (var member in after.Members.OrderBy(m => m.Address, StringComparer.Ordinal))
        {
            var roles = "roles=" + (member.Roles.Count == 0 ? "-" : string.Join(",", member.Roles));
            if (!oldMembers.TryGetValue(member.Address, out var old))
            {
                changes.Add(new(time, member.Status == "up" ? "member-up" : "member-" + member.Status, Short(member.Address), roles));
            }
            else if (old.Status != member.Status)
            {
                changes.Add(new(time, member.Status switch
                {
                    "unreachable" => "member-unreachable",
                    "up" when old.Status == "unreachable" => "member-reachable",
                    _ => "member-" + member.Status,
                }, Short(member.Address), $"was {old.Status}"));
            }
        }
        foreach (var gone in oldMembers.Keys.Where(a => !newMembers.ContainsKey(a)).Order(StringComparer.Ordinal))
        {
            changes.Add(new(time, "member-removed", Short(gone), $"was {oldMembers[gone].Status}"));
        }

        var oldServices = (before?.Services ?? []).ToDictionary(Key, StringComparer.Ordinal);
        var newServices = after.Services.ToDictionary(Key, StringComparer.Ordinal);
        foreach (var service in after.Services.OrderBy(Key, StringComparer.Ordinal))
        {
            if (!oldServices.TryGetValue(Key(service), out var old))
            {
                changes.Add(new(time, "service-added", Key(service), Describe(service)));
            }
            else if (old != service)
            {
                changes.Add(new(time, "service-changed", Key(service), $"{Describe(service)} (was {Describe(old)})"));
            }
        }
        foreach (var gone in oldServices.Keys.Where(k => !newServices.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            changes.Add(new(time, "service-removed", gone, Describe(oldServices[gone])));
        }

        return changes;
    }

    private static string Key(CatalogService service) => $"{Short(service.Node)}/{service.Name}";

    private static string Describe(CatalogService s) =>
        $"{s.Kind} {s.Endpoint}" + (s.Poem is null ? "" : $" poem={s.Poem} bytes={s.Bytes?.ToString(CultureInfo.InvariantCulture) ?? "?"} sha256={s.Sha256?[..Math.Min(12, s.Sha256.Length)]}");

    private static string Short(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 ? address[(at + 1)..] : address;
    }
}
