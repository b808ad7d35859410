using Akka.Serialization;
using PoetryActors.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace PoetryActors.Tests.Hosting;

/// <summary>
/// Akka's JSON serializer made on first use: it takes the place of the <c>json</c> serializer for
/// every type bound to nothing more specific, with Akka's identifier, and writes and reads the
/// same bytes as Akka's own.
/// </summary>
public sealed class LazyJsonSerializerSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(LazyJsonSerializer.Hocon, output)
{
    [Fact]
    public void It_is_the_default_serializer_with_akkas_json_identifier()
    {
        var serializer = Sys.Serialization.FindSerializerForType(typeof(Verse));

        Assert.IsType<LazyJsonSerializer>(serializer);
        Assert.Equal(1, serializer.Identifier);
        Assert.False(serializer.IncludeManifest);
    }

    [Fact]
    public void It_writes_and_reads_what_akkas_json_serializer_does()
    {
        var verse = new Verse("ecstasy", 3, ["all the", "world"]);
        var lazy = Sys.Serialization.FindSerializerForType(typeof(Verse));
        var akkas = new NewtonSoftJsonSerializer((Akka.Actor.ExtendedActorSystem)Sys);

        var bytes = lazy.ToBinary(verse);

        Assert.Equal(akkas.ToBinary(verse), bytes);
        var back = Assert.IsType<Verse>(lazy.FromBinary(bytes, typeof(Verse)));
        Assert.Equal((verse.Poem, verse.Line), (back.Poem, back.Line));
        Assert.Equal(verse.Words, back.Words);
        Assert.IsType<Verse>(akkas.FromBinary(bytes, typeof(Verse)));
    }

    public sealed record Verse(string Poem, int Line, string[] Words);
}
