using PoetryActors.Cluster;
using Xunit;

namespace PoetryActors.Tests.Cluster;

/// <summary>A member's services cut into chunks that fit, and what does not fit refused, never lost silently.</summary>
public sealed class CatalogPublicationSpecs
{
    private static IReadOnlyList<CatalogService> Services(int count) => Enumerable.Range(0, count)
        .Select(i => new CatalogService("akka.tcp://poetry@127.0.0.1:4053", $"poem-{i:0000}", "fastpoetry", $"127.0.0.1:{11000 + i}", $"poem-{i:0000}", 1000, new string('f', 64)))
        .ToList();

    private static CatalogSettings Limits(int chunk, long node) => PoetryClusterSettings.Default.Catalog with { MaxChunkBytes = chunk, MaxNodeBytes = node };

    [Fact]
    public void Services_are_split_in_name_order_into_chunks_of_at_most_the_chunk_size()
    {
        var services = Services(1000);
        var publication = CatalogPublication.Split(services.Reverse().ToList(), Limits(16 * 1024, 10 * 1024 * 1024));

        Assert.Empty(publication.Refused);
        Assert.True(publication.Chunks.Count > 5);
        Assert.Equal(services, publication.Chunks.SelectMany(c => c));
        foreach (var chunk in publication.Chunks)
        {
            var serialized = new CatalogChunk("akka.tcp://poetry@127.0.0.1:4053#123456789", 99, long.MaxValue, chunk);
            Assert.InRange(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(serialized, CatalogJsonContext.Default.CatalogChunk).Length, 1, 16 * 1024);
        }
    }

    [Fact]
    public void Services_past_the_node_limit_are_refused_and_listed()
    {
        var publication = CatalogPublication.Split(Services(100), Limits(4096, 8192));

        Assert.InRange(publication.Published, 10, 99);
        Assert.Equal(100 - publication.Published, publication.Refused.Count);
        Assert.True(publication.Bytes <= 8192);
        Assert.Equal("poem-0099", publication.Refused[^1].Name);
    }

    [Fact]
    public void A_service_bigger_than_a_chunk_is_refused_alone()
    {
        var huge = new CatalogService("n", new string('x', 5000), "fastpoetry", "127.0.0.1:1");
        var publication = CatalogPublication.Split([.. Services(3), huge], Limits(4096, 1 << 20));

        Assert.Equal(huge, Assert.Single(publication.Refused));
        Assert.Equal(3, publication.Published);
    }

    [Fact]
    public void No_services_make_no_chunks()
    {
        Assert.Empty(CatalogPublication.Split([], Limits(4096, 8192)).Chunks);
    }
}
