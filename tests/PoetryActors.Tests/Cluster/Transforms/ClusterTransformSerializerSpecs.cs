using System.Runtime.Serialization;
using Akka.Actor;
using PoetryActors.Cluster.Transforms;
using Xunit;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Tests.Cluster.Transforms;

/// <summary>The cluster transforms' binary serializer: every message round-trips, garbage is a SerializationException.</summary>
public sealed class ClusterTransformSerializerSpecs : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-specs");

    private ClusterTransformSerializer Serializer => new((ExtendedActorSystem)_system);

    public static TheoryData<object> Messages => new()
    {
        new TransformPart(42, "cummingsify", 1, 3, [1, 2, 3, 0, 255]),
        new TransformPart(1, "title-case", 0, 1, []),
        new TransformedPart(7, 2, 3, "é".Select(c => (byte)c).ToArray()),
        new TransformRefused(9, "unknown transform 'nope'"),
        new TransformParts([new TransformPart(3, "cummingsify", 0, 1, [65, 66]), new TransformPart(4, "shout", 0, 2, [])]),
        new TransformedParts([new TransformedPart(3, 0, 1, [97, 98]), new TransformedPart(4, 1, 2, [0])]),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_round_trips(object message)
    {
        var bytes = Serializer.ToBinary(message);
        var back = Serializer.FromBinary(bytes, Serializer.Manifest(message));
        Assert.Equal(Describe(message), Describe(back));
    }

    [Fact]
    public void Truncated_or_padded_bytes_and_unknown_manifests_are_serialization_errors()
    {
        var bytes = Serializer.ToBinary(new TransformPart(42, "cummingsify", 0, 1, new byte[100]));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes[..^1], "part"));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary([.. bytes, 0], "part"));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "nope"));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary([0xff, 0xff, 0xff], "transformed"));
    }

    [Fact]
    public void A_batch_that_claims_more_parts_than_its_bytes_hold_is_a_serialization_error()
    {
        var bytes = Serializer.ToBinary(new TransformedParts([new TransformedPart(1, 0, 1, [1]), new TransformedPart(2, 0, 1, [2])]));
        // The count (the first four bytes) says a million parts: refused before anything is allocated for them.
        var lying = bytes.ToArray();
        BitConverter.GetBytes(1_000_000).CopyTo(lying, 0);
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(lying, "transformed-parts"));
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes[..^1], "transformed-parts"));
    }

    private static string Describe(object message) => message switch
    {
        TransformPart p => $"part {p.RequestId} {p.Transform} {p.Part}/{p.Parts} {Convert.ToHexString(p.Bytes)}",
        TransformedPart p => $"transformed {p.RequestId} {p.Part}/{p.Parts} {Convert.ToHexString(p.Bytes)}",
        TransformRefused r => $"refused {r.RequestId} {r.Reason}",
        TransformParts b => $"parts [{string.Join("; ", b.Parts.Select(Describe))}]",
        TransformedParts b => $"transformed parts [{string.Join("; ", b.Parts.Select(Describe))}]",
        _ => message.ToString()!,
    };

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
