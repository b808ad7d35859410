using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// Our serializer for every <see cref="IClusterTransformMessage"/>: a small binary layout
/// (little-endian integers, length-prefixed UTF-8 strings, the poem bytes as they are) with a
/// short string manifest per type. Binary rather than the catalog's JSON because a part is mostly
/// raw poem bytes, which JSON would carry as base64, a third larger. Whatever arrives is checked
/// (lengths, indexes); a malformed message is a <see cref="SerializationException"/>, which Akka
/// logs and drops, never a crash of the receiver.
/// </summary>
internal sealed class ClusterTransformSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's identifier (unique among the actor system's serializers).</summary>
    public const int Id = 1118;

    /// <summary>The name it is registered under.</summary>
    public const string Name = "poetry-cluster-transforms";

    private const string PartManifest = "part";
    private const string TransformedManifest = "transformed";
    private const string RefusedManifest = "refused";
    private const string PartsManifest = "parts";
    private const string TransformedPartsManifest = "transformed-parts";

    /// <summary>The serializer bound to <see cref="IClusterTransformMessage"/>, for an actor system built without Akka.Hosting.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.{{Name}} = "{{typeof(ClusterTransformSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(IClusterTransformMessage).FullName}}, {{typeof(IClusterTransformMessage).Assembly.GetName().Name}}" = {{Name}}
          }
        }
        """);

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        TransformPart => PartManifest,
        TransformedPart => TransformedManifest,
        TransformRefused => RefusedManifest,
        TransformParts => PartsManifest,
        TransformedParts => TransformedPartsManifest,
        _ => throw new ArgumentException($"{nameof(ClusterTransformSerializer)} cannot serialize {o.GetType()}", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(SizeHint(obj));
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case TransformPart part:
                    Write(writer, part);
                    break;
                case TransformedPart part:
                    Write(writer, part);
                    break;
                case TransformRefused refused:
                    writer.Write(refused.RequestId);
                    writer.Write(refused.Reason);
                    break;
                case TransformParts batch:
                    writer.Write(batch.Parts.Count);
                    foreach (var part in batch.Parts)
                    {
                        Write(writer, part);
                    }

                    break;
                case TransformedParts batch:
                    writer.Write(batch.Parts.Count);
                    foreach (var part in batch.Parts)
                    {
                        Write(writer, part);
                    }

                    break;
                default:
                    throw new ArgumentException($"{nameof(ClusterTransformSerializer)} cannot serialize {obj.GetType()}", nameof(obj));
            }
        }

        // The stream was sized to fit, so this hands back its own buffer without a copy.
        return stream.Length == stream.Capacity ? stream.GetBuffer() : stream.ToArray();
    }

    private static int SizeHint(object obj) => obj switch
    {
        TransformPart p => Size(p),
        TransformedPart t => Size(t),
        TransformParts b => 4 + b.Parts.Sum(Size),
        TransformedParts b => 4 + b.Parts.Sum(Size),
        _ => 256,
    };

    private static int Size(TransformPart part)
    {
        var name = Encoding.UTF8.GetByteCount(part.Transform);
        // BinaryWriter prefixes a string with its byte count, 7 bits a byte.
        var prefix = name < 1 << 7 ? 1 : name < 1 << 14 ? 2 : name < 1 << 21 ? 3 : name < 1 << 28 ? 4 : 5;
        return 8 + prefix + name + 4 + 4 + 4 + part.Bytes.Length;
    }

    private static int Size(TransformedPart part) => 8 + 4 + 4 + 4 + part.Bytes.Length;

    private static void Write(BinaryWriter writer, TransformPart part)
    {
        writer.Write(part.RequestId);
        writer.Write(part.Transform);
        writer.Write(part.Part);
        writer.Write(part.Parts);
        writer.Write(part.Bytes.Length);
        writer.Write(part.Bytes);
    }

    private static void Write(BinaryWriter writer, TransformedPart part)
    {
        writer.Write(part.RequestId);
        writer.Write(part.Part);
        writer.Write(part.Parts);
        writer.Write(part.Bytes.Length);
        writer.Write(part.Bytes);
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            object message = manifest switch
            {
                PartManifest => ReadPart(reader, bytes.Length),
                TransformedManifest => ReadTransformed(reader, bytes.Length),
                RefusedManifest => new TransformRefused(reader.ReadInt64(), reader.ReadString()),
                PartsManifest => new TransformParts(ReadMany(reader, bytes.Length, ReadPart)),
                TransformedPartsManifest => new TransformedParts(ReadMany(reader, bytes.Length, ReadTransformed)),
                _ => throw new SerializationException($"{nameof(ClusterTransformSerializer)} knows no manifest '{manifest}'"),
            };
            if (reader.BaseStream.Position != bytes.Length)
            {
                throw new SerializationException($"{bytes.Length - reader.BaseStream.Position} bytes left over after a '{manifest}'");
            }

            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or ArgumentException)
        {
            throw new SerializationException($"a malformed '{manifest}' of {bytes.Length} bytes: {e.Message}", e);
        }
    }

    private static TransformPart ReadPart(BinaryReader reader, int total) =>
        new(reader.ReadInt64(), reader.ReadString(), reader.ReadInt32(), reader.ReadInt32(), ReadBytes(reader, total));

    private static TransformedPart ReadTransformed(BinaryReader reader, int total) =>
        new(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), ReadBytes(reader, total));

    private static List<T> ReadMany<T>(BinaryReader reader, int total, Func<BinaryReader, int, T> read)
    {
        var count = reader.ReadInt32();
        // Each part takes at least 20 bytes: a count the message cannot hold is garbage, not a reason to allocate.
        if (count < 2 || count > total / 20)
        {
            throw new SerializationException($"a batch claims {count} parts in a message of {total} bytes");
        }

        var parts = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            parts.Add(read(reader, total));
        }

        return parts;
    }

    private static byte[] ReadBytes(BinaryReader reader, int total)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > total)
        {
            throw new SerializationException($"a part claims {length} bytes in a message of {total}");
        }

        var data = reader.ReadBytes(length);
        if (data.Length != length)
        {
            throw new SerializationException($"a part claims {length} bytes but holds {data.Length}");
        }

        return data;
    }
}
