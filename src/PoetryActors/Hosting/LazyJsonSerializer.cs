using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace PoetryActors.Hosting;

/// <summary>
/// Akka's default serializer (<see cref="NewtonSoftJsonSerializer"/>, for every type bound to
/// nothing more specific), made the first time something is serialized with it rather than when
/// the actor system starts. Akka makes every configured serializer at start; this one brings
/// Newtonsoft.Json and the JSON settings it builds, about 1.5 MB of an idle node that never
/// serializes a message (measured with tests/benchmarks/run-memory-bench.sh). Same identifier,
/// same manifest rule, same bytes: a peer sees Akka's JSON serializer.
/// </summary>
internal sealed class LazyJsonSerializer : Serializer
{
    /// <summary>The HOCON that puts it in the place of Akka's <c>json</c> serializer.</summary>
    public static readonly string Hocon =
        $"akka.actor.serializers.json = \"{typeof(LazyJsonSerializer).FullName}, {typeof(LazyJsonSerializer).Assembly.GetName().Name}\"";

    private readonly Lazy<NewtonSoftJsonSerializer> _json;
    private readonly Lazy<int> _identifier;

    /// <summary>Akka calls this one when <c>serialization-settings.json</c> is empty.</summary>
    public LazyJsonSerializer(ExtendedActorSystem system) : this(system, () => new NewtonSoftJsonSerializer(system))
    {
    }

    /// <summary>Akka calls this one with <c>serialization-settings.json</c>.</summary>
    public LazyJsonSerializer(ExtendedActorSystem system, Config config) : this(system, () => new NewtonSoftJsonSerializer(system, config))
    {
    }

    private LazyJsonSerializer(ExtendedActorSystem system, Func<NewtonSoftJsonSerializer> create) : base(system)
    {
        _json = new(create);
        // Akka's identifier for its JSON serializer (serialization-identifiers), read once.
        _identifier = new(() => SerializerIdentifierHelper.GetSerializerIdentifierFromConfig(typeof(NewtonSoftJsonSerializer), system));
    }

    /// <inheritdoc />
    public override int Identifier => _identifier.Value;

    /// <inheritdoc />
    public override bool IncludeManifest => false;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => _json.Value.ToBinary(obj);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, Type type) => _json.Value.FromBinary(bytes, type);
}
