namespace PoetryActors.Services;

/// <summary>
/// What a reload does to a service collection, worked out by the collection itself (in its mailbox,
/// so two reloads never overlap) from the children it runs and the ones the reload wants, compared
/// by name and by <see cref="ServiceSpec.Revision"/> (for a deployment entry, the checked entry,
/// whose poems compare by digest): a child that is the same is left alone (its clients never
/// notice), a changed one is removed and added again, a new one is added and a missing one removed. All removals come first, in
/// the reverse of the running order (as a <c>MultiService</c> stops), so that a port given up by
/// one service is free for another; then the additions, in the file's order, each placed before
/// the service that follows it in the file, so the node keeps the file's order as far as the
/// untouched services allow (they are never moved: that would mean restarting them).
/// </summary>
internal sealed record ReloadPlan(
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Changed,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Removals,
    IReadOnlyList<ReloadPlan.Addition> Additions)
{
    /// <summary>Add <paramref name="Service"/> just before the running service <paramref name="Before"/>, or last when null.</summary>
    public sealed record Addition(ServiceSpec Service, string? Before);

    /// <summary>Whether the reload changes nothing.</summary>
    public bool IsEmpty => Removals.Count == 0 && Additions.Count == 0;

    /// <summary>The plan that turns <paramref name="running"/> (in the node's order) into <paramref name="wanted"/> (in the file's order).</summary>
    public static ReloadPlan Between(IReadOnlyList<ServiceSpec> running, IReadOnlyList<ServiceSpec> wanted)
    {
        var before = running.ToDictionary(e => e.Name);
        var wantedNames = wanted.Select(e => e.Name).ToHashSet();

        var unchanged = wanted.Where(w => before.TryGetValue(w.Name, out var r) && SameRevision(r, w)).Select(w => w.Name).ToList();
        var changed = wanted.Where(w => before.TryGetValue(w.Name, out var r) && !SameRevision(r, w)).Select(w => w.Name).ToList();
        var added = wanted.Where(w => !before.ContainsKey(w.Name)).Select(w => w.Name).ToList();
        var removed = running.Where(r => !wantedNames.Contains(r.Name)).Select(r => r.Name).ToList();

        var removals = running.Reverse().Where(r => removed.Contains(r.Name) || changed.Contains(r.Name)).Select(r => r.Name).ToList();

        // Play the additions on a model of the collection's order to find, for each, the running
        // service it must precede: the earliest of those the file puts after it.
        var order = running.Select(r => r.Name).Where(n => !removals.Contains(n)).ToList();
        var additions = new List<Addition>();
        for (var i = 0; i < wanted.Count; i++)
        {
            var entry = wanted[i];
            if (order.Contains(entry.Name))
            {
                continue;
            }

            var later = wanted.Skip(i + 1).Select(w => w.Name).ToHashSet();
            var at = order.FindIndex(later.Contains);
            additions.Add(new Addition(entry, at >= 0 ? order[at] : null));
            order.Insert(at >= 0 ? at : order.Count, entry.Name);
        }

        return new ReloadPlan(unchanged, changed, added, removed, removals, additions);
    }

    // A child without a revision (added by hand, not from a deployment) is never taken for unchanged.
    private static bool SameRevision(ServiceSpec running, ServiceSpec wanted) =>
        running.Revision is { } revision && revision.Equals(wanted.Revision);

    /// <summary>One line for the log: what is restarted, added, removed and left alone.</summary>
    public override string ToString()
    {
        if (IsEmpty)
        {
            return $"nothing changed ({Unchanged.Count} unchanged)";
        }

        var parts = new List<string>();
        if (Changed.Count > 0)
        {
            parts.Add("restarting " + string.Join(", ", Changed));
        }

        if (Added.Count > 0)
        {
            parts.Add("adding " + string.Join(", ", Added));
        }

        if (Removed.Count > 0)
        {
            parts.Add("removing " + string.Join(", ", Removed));
        }

        parts.Add($"{Unchanged.Count} unchanged" + (Unchanged.Count > 0 ? $" ({string.Join(", ", Unchanged)})" : ""));
        return string.Join("; ", parts);
    }
}
