using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// Our serializer for every <see cref="IPoetryClusterMessage"/>: UTF-8 JSON written by
/// System.Text.Json's source generator (no reflection, so it is as fast as hand-written code and
/// trimming-safe), with a short string manifest per type. JSON rather than protobuf because the
/// messages are a handful of flat records: the generator keeps them the one definition (a
/// <c>.proto</c> would be a second, plus a code-generation step in the build), new optional
/// fields are tolerated both ways during a rolling upgrade, and a captured message can be read by
/// a person. Bound to the marker interface with Akka.Hosting's <c>WithCustomSerializer</c>.
/// </summary>
internal sealed class CatalogSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's identifier (unique among the actor system's serializers).</summary>
    public const int Id = 1117;

    private const string ChunkManifest = "chunk";
    private const string GetCatalogManifest = "get-catalog";
    private const string CurrentCatalogManifest = "catalog";
    private const string MemberManifest = "member";
    private const string ServiceManifest = "service";

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        CatalogChunk => ChunkManifest,
        GetCatalog => GetCatalogManifest,
        CurrentCatalog => CurrentCatalogManifest,
        CatalogMember => MemberManifest,
        CatalogService => ServiceManifest,
        _ => throw new ArgumentException($"{nameof(CatalogSerializer)} cannot serialize {o.GetType()}", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj switch
    {
        CatalogChunk chunk => JsonSerializer.SerializeToUtf8Bytes(chunk, CatalogJsonContext.Default.CatalogChunk),
        GetCatalog => [],
        CurrentCatalog catalog => JsonSerializer.SerializeToUtf8Bytes(catalog, CatalogJsonContext.Default.CurrentCatalog),
        CatalogMember member => JsonSerializer.SerializeToUtf8Bytes(member, CatalogJsonContext.Default.CatalogMember),
        CatalogService service => JsonSerializer.SerializeToUtf8Bytes(service, CatalogJsonContext.Default.CatalogService),
        _ => throw new ArgumentException($"{nameof(CatalogSerializer)} cannot serialize {obj.GetType()}", nameof(obj)),
    };

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        ChunkManifest => Read(bytes, CatalogJsonContext.Default.CatalogChunk),
        GetCatalogManifest => GetCatalog.Instance,
        CurrentCatalogManifest => Read(bytes, CatalogJsonContext.Default.CurrentCatalog),
        MemberManifest => Read(bytes, CatalogJsonContext.Default.CatalogMember),
        ServiceManifest => Read(bytes, CatalogJsonContext.Default.CatalogService),
        _ => throw new SerializationException($"{nameof(CatalogSerializer)} knows no manifest '{manifest}'"),
    };

    /// <summary>The serialized size of <paramref name="service"/> inside a chunk, in bytes (for splitting entries).</summary>
    public static int SizeOf(CatalogService service) =>
        JsonSerializer.SerializeToUtf8Bytes(service, CatalogJsonContext.Default.CatalogService).Length + 1;

    private static T Read<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(bytes, type) ?? throw new SerializationException($"an empty {typeof(T).Name}");
}

/// <summary>The source-generated JSON contract of the cluster messages.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CatalogChunk))]
[JsonSerializable(typeof(CurrentCatalog))]
[JsonSerializable(typeof(CatalogMember))]
[JsonSerializable(typeof(CatalogService))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
