using PoetryActors.Cluster.Transforms;
using Xunit;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Tests.Cluster.Transforms;

/// <summary>How a burst of parts is packed into messages: in order, within the limit, a lone part as itself.</summary>
public sealed class TransformBatchesSpecs
{
    private static TransformPart Part(long id, int bytes) => new(id, "cummingsify", 0, 1, new byte[bytes]);

    [Fact]
    public void Parts_are_packed_in_order_and_no_message_holds_more_than_the_limit()
    {
        var parts = Enumerable.Range(1, 50).Select(i => Part(i, 3000)).ToList();
        var messages = TransformBatches.Pack(parts, 64 * 1024).ToList();

        var sent = messages.SelectMany(m => m is TransformParts batch ? batch.Parts : [(TransformPart)m]).ToList();
        Assert.Equal(parts.Select(p => p.RequestId), sent.Select(p => p.RequestId));
        Assert.All(messages.OfType<TransformParts>(), b => Assert.True(b.Parts.Sum(p => p.Bytes.Length + 64) <= 64 * 1024, $"{b.Parts.Count} parts"));
        Assert.InRange(messages.Count, 3, 4);
    }

    [Fact]
    public void A_lone_part_and_a_part_larger_than_the_limit_travel_as_themselves()
    {
        Assert.IsType<TransformPart>(Assert.Single(TransformBatches.Pack([Part(1, 10)], 64 * 1024)));

        var messages = TransformBatches.Pack([Part(1, 10), Part(2, 70_000), Part(3, 10)], 64 * 1024).ToList();
        Assert.Equal([1L, 2L, 3L], messages.Select(m => ((TransformPart)m).RequestId));
    }

    [Fact]
    public void Answers_are_packed_the_same_way()
    {
        var answers = Enumerable.Range(1, 30).Select(i => new TransformedPart(i, 0, 1, new byte[3000])).ToList();
        var messages = TransformBatches.Pack(answers, 64 * 1024).ToList();
        Assert.Equal(answers.Select(a => a.RequestId), messages.SelectMany(m => ((TransformedParts)m).Parts).Select(p => p.RequestId));
        Assert.Equal(2, messages.Count);
    }
}
