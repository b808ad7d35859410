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
        _ => throw new ArgumentException($"{nameof(ClusterTransformSerializer)} cannot serialize {o.GetType()}", nameof(o)),
    };

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(obj is TransformPart p ? p.Bytes.Length + 64 : obj is TransformedPart t ? t.Bytes.Length + 32 : 256);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case TransformPart part:
                    writer.Write(part.RequestId);
                    writer.Write(part.Transform);
                    writer.Write(part.Part);
                    writer.Write(part.Parts);
                    writer.Write(part.Bytes.Length);
                    writer.Write(part.Bytes);
                    break;
                case TransformedPart part:
                    writer.Write(part.RequestId);
                    writer.Write(part.Part);
                    writer.Write(part.Parts);
                    writer.Write(part.Bytes.Length);
                    writer.Write(part.Bytes);
                    break;
                case TransformRefused refused:
                    writer.Write(refused.RequestId);
                    writer.Write(refused.Reason);
                    break;
                default:
                    throw new ArgumentException($"{nameof(ClusterTransformSerializer)} cannot serialize {obj.GetType()}", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            object message = manifest switch
            {
                PartManifest => new TransformPart(reader.ReadInt64(), reader.ReadString(), reader.ReadInt32(), reader.ReadInt32(), ReadBytes(reader, bytes.Length)),
                TransformedManifest => new TransformedPart(reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), ReadBytes(reader, bytes.Length)),
                RefusedManifest => new TransformRefused(reader.ReadInt64(), reader.ReadString()),
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
