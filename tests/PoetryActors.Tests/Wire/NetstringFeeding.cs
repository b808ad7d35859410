using System.Text;
using PoetryActors.Wire;

namespace PoetryActors.Tests.Wire;

/// <summary>What a decoder made of a whole stream: the frames, how it ended, and how many bytes it used.</summary>
internal sealed record FeedResult(List<byte[]> Frames, NetstringDecodeStatus Last, int Consumed, string? Error);

/// <summary>Drives a <see cref="NetstringDecoder"/> the way a connection does: chunk by chunk, calling again with what is left.</summary>
internal static class NetstringFeeding
{
    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static string Ascii(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    /// <summary>Feeds <paramref name="data"/> cut after each of <paramref name="cuts"/> (ascending offsets).</summary>
    public static FeedResult Feed(NetstringDecoder decoder, ReadOnlySpan<byte> data, params int[] cuts)
    {
        var frames = new List<byte[]>();
        var consumed = 0;
        var start = 0;
        var last = NetstringDecodeStatus.NeedMoreData;
        for (var i = 0; i <= cuts.Length; i++)
        {
            var end = i < cuts.Length ? cuts[i] : data.Length;
            var chunk = data[start..end];
            start = end;
            do
            {
                last = decoder.Decode(chunk, out var used, out var frame);
                consumed += used;
                chunk = chunk[used..];
                if (last == NetstringDecodeStatus.FrameDecoded)
                {
                    frames.Add(frame!);
                }
                else if (last == NetstringDecodeStatus.Failed)
                {
                    return new FeedResult(frames, last, consumed, decoder.Error);
                }
            }
            while (!chunk.IsEmpty);
        }

        return new FeedResult(frames, last, consumed, decoder.Error);
    }
}
