using PoetryActors.Download;
using Xunit;

namespace PoetryActors.Tests.Download;

public sealed class PoemBufferSpecs
{
    [Fact]
    public void A_poem_that_arrives_in_one_piece_is_handed_over_without_a_copy()
    {
        var buffer = new PoemBuffer();
        var room = buffer.GetMemory(5);
        "hello"u8.CopyTo(room.Span);
        buffer.Advance(5);

        var poem = buffer.ToArray();

        Assert.Equal("hello"u8.ToArray(), poem);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(room, out var segment));
        Assert.Same(segment.Array, poem);
    }

    [Fact]
    public void Pieces_are_kept_in_order_and_the_result_has_exactly_their_length()
    {
        var buffer = new PoemBuffer();
        for (var i = 0; i < 100; i++)
        {
            buffer.Append([(byte)i, (byte)(i + 1)]);
            buffer.Append([]);
        }

        var poem = buffer.ToArray();

        Assert.Equal(200, buffer.Length);
        Assert.Equal(Enumerable.Range(0, 100).SelectMany(i => new[] { (byte)i, (byte)(i + 1) }), poem);
    }

    [Fact]
    public void Nothing_received_is_an_empty_poem()
    {
        Assert.Empty(new PoemBuffer().ToArray());
    }
}
