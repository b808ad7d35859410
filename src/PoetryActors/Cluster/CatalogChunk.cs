using Akka.DistributedData;

namespace PoetryActors.Cluster;

/// <summary>
/// One replicated piece of a member's catalog entry: chunk <paramref name="Index"/> of the services
/// of the member <paramref name="Owner"/> (its unique address, so a restarted node never meets its
/// former self's chunks), at publication <paramref name="Version"/>. Each chunk is the value of its
/// own DistributedData key, an <c>LWWRegister</c> that only its owner writes (see
/// <see cref="CatalogKeys"/>), and is at most <see cref="CatalogSettings.MaxChunkBytes"/> serialized.
/// </summary>
internal sealed record CatalogChunk(string Owner, int Index, long Version, IReadOnlyList<CatalogService> Services) : IPoetryClusterMessage
{
    /// <summary>Value equality including the services (records compare lists by reference).</summary>
    public bool Equals(CatalogChunk? other) =>
        other is not null && Owner == other.Owner && Index == other.Index && Version == other.Version && Services.SequenceEqual(other.Services);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Owner, Index, Version, Services.Count);
}

/// <summary>
/// How catalog chunks are named in DistributedData: <c>poetry-catalog|OWNER|INDEX</c>, where OWNER
/// is the member's unique address (<c>akka.tcp://poetry@127.0.0.1:4053#1234</c>). Readers find the
/// chunks by listing the replicator's keys; the owner in the name lets the oldest member remove a
/// dead member's chunks without reading them.
/// </summary>
internal static class CatalogKeys
{
    private const string Prefix = "poetry-catalog|";

    /// <summary>The key of chunk <paramref name="index"/> of <paramref name="owner"/>.</summary>
    public static LWWRegisterKey<CatalogChunk> For(string owner, int index) => new($"{Prefix}{owner}|{index}");

    /// <summary>The owner of a catalog key id, or null when the id is not a catalog key.</summary>
    public static string? OwnerOf(string keyId)
    {
        if (!keyId.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var bar = keyId.LastIndexOf('|');
        return bar > Prefix.Length ? keyId[Prefix.Length..bar] : null;
    }
}
