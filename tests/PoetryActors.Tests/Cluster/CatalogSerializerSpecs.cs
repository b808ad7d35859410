using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Cluster;
using Xunit;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Tests.Cluster;

/// <summary>Every message that crosses members goes through our serializer, and comes back equal.</summary>
public sealed class CatalogSerializerSpecs : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-specs", CatalogClient.SerializerConfig.WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));

    private static readonly CatalogService Ecstasy = new("akka.tcp://poetry@127.0.0.1:4053", "ecstasy", "fastpoetry", "127.0.0.1:11000", "ecstasy", 2975, new string('a', 64));

    private static readonly CatalogService Xform = new("akka.tcp://poetry@127.0.0.1:4055", "xform", "transform", "127.0.0.1:11003");

    public static TheoryData<object> Messages() =>
    [
        Ecstasy,
        Xform,
        GetCatalog.Instance,
        new CatalogMember("akka.tcp://poetry@127.0.0.1:4053", ["transform"], "up"),
        new CatalogChunk("akka.tcp://poetry@127.0.0.1:4053#42", 3, 7, [Ecstasy, Xform]),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_cluster_message_round_trips_through_our_serializer(object message)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<CatalogSerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var manifest = ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message);
        var back = _system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        if (message is CatalogMember member)
        {
            Assert.Equal(member.Roles, ((CatalogMember)back).Roles);
        }
        else
        {
            Assert.Equal(message, back);
        }
    }

    [Fact]
    public void A_catalog_answer_round_trips_with_its_members_and_services()
    {
        var catalog = new CurrentCatalog("akka.tcp://poetry@127.0.0.1:4053", [new CatalogMember("akka.tcp://poetry@127.0.0.1:4053", [], "up")], [Ecstasy, Xform]);
        var serializer = Assert.IsType<CatalogSerializer>(_system.Serialization.FindSerializerFor(catalog));

        var back = (CurrentCatalog)serializer.FromBinary(serializer.ToBinary(catalog), serializer.Manifest(catalog));

        Assert.Equal(catalog.Answerer, back.Answerer);
        Assert.Equal(catalog.Services, back.Services);
        Assert.Equal("up", Assert.Single(back.Members).Status);
    }

    [Fact]
    public void A_service_without_a_poem_has_no_poem_fields_on_the_wire()
    {
        var json = System.Text.Encoding.UTF8.GetString(new CatalogSerializer((ExtendedActorSystem)_system).ToBinary(Xform));
        Assert.Equal("""{"node":"akka.tcp://poetry@127.0.0.1:4055","name":"xform","kind":"transform","endpoint":"127.0.0.1:11003"}""", json);
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
