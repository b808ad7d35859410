namespace PoetryActors.Cluster;

/// <summary>
/// A member's services cut into catalog chunks: in name order, each chunk at most
/// <see cref="CatalogSettings.MaxChunkBytes"/> serialized and all of them together at most
/// <see cref="CatalogSettings.MaxNodeBytes"/>. What does not fit (a service bigger than a chunk,
/// or past the node's limit) is <see cref="Refused"/>, for the catalog to log, never dropped
/// silently. Plain code, no actor.
/// </summary>
internal sealed record CatalogPublication(IReadOnlyList<IReadOnlyList<CatalogService>> Chunks, IReadOnlyList<CatalogService> Refused, long Bytes)
{
    // The chunk's own fields (owner, index, version) and JSON punctuation around the services.
    private const int ChunkOverhead = 256;

    /// <summary>Nothing published.</summary>
    public static CatalogPublication Empty { get; } = new([], [], 0);

    /// <summary>How many services the chunks hold.</summary>
    public int Published => Chunks.Sum(c => c.Count);

    /// <summary>Splits <paramref name="services"/> within the limits of <paramref name="settings"/>.</summary>
    public static CatalogPublication Split(IReadOnlyList<CatalogService> services, CatalogSettings settings)
    {
        var chunks = new List<IReadOnlyList<CatalogService>>();
        var refused = new List<CatalogService>();
        var current = new List<CatalogService>();
        long currentBytes = ChunkOverhead, total = 0;
        foreach (var service in services.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var size = CatalogSerializer.SizeOf(service);
            if (size + ChunkOverhead > settings.MaxChunkBytes || total + size + ChunkOverhead > settings.MaxNodeBytes)
            {
                refused.Add(service);
                continue;
            }
            if (currentBytes + size > settings.MaxChunkBytes)
            {
                chunks.Add(current);
                total += ChunkOverhead;
                current = [];
                currentBytes = ChunkOverhead;
            }
            current.Add(service);
            currentBytes += size;
            total += size;
        }
        if (current.Count > 0)
        {
            chunks.Add(current);
            total += ChunkOverhead;
        }
        return new CatalogPublication(chunks, refused, total);
    }

    /// <summary>Whether <paramref name="other"/> publishes exactly the same chunks.</summary>
    public bool SameServicesAs(CatalogPublication other) =>
        Chunks.Count == other.Chunks.Count && Chunks.Zip(other.Chunks).All(p => p.First.SequenceEqual(p.Second)) && SameRefusalAs(other);

    /// <summary>Whether <paramref name="other"/> refused the same services.</summary>
    public bool SameRefusalAs(CatalogPublication other) => Refused.SequenceEqual(other.Refused);
}
