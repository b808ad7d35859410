using PoetryActors.Wire;
using Xunit;
using static PoetryActors.Tests.Wire.NetstringFeeding;

namespace PoetryActors.Tests.Wire;

public sealed class NetstringEncoderSpecs
{
    [Theory]
    [InlineData("", "0:,")]
    [InlineData("a", "1:a,")]
    [InlineData("here is my poem", "15:here is my poem,")]
    [InlineData("1:a,", "4:1:a,,")]
    public void A_payload_is_framed_with_its_decimal_length_a_colon_and_a_comma(string payload, string netstring)
    {
        Assert.Equal(netstring, Ascii(NetstringEncoder.Encode(Ascii(payload))));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(9, 12)]
    [InlineData(10, 14)]
    [InlineData(99, 103)]
    [InlineData(100, 105)]
    [InlineData(99_999, 100_006)]
    [InlineData(100_000, 100_008)]
    public void The_encoded_length_counts_the_digits_the_colon_the_payload_and_the_comma(int payloadLength, int encodedLength)
    {
        Assert.Equal(encodedLength, NetstringEncoder.EncodedLength(payloadLength));
        Assert.Equal(encodedLength, NetstringEncoder.Encode(new byte[payloadLength]).Length);
    }

    [Fact]
    public void A_negative_payload_length_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NetstringEncoder.EncodedLength(-1));
    }

    [Fact]
    public void A_payload_whose_netstring_could_not_fit_in_an_array_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NetstringEncoder.EncodedLength(Array.MaxLength));
    }

    [Fact]
    public void Encoding_into_a_span_writes_at_its_start_and_leaves_the_rest_alone()
    {
        var destination = new byte[10];
        destination.AsSpan().Fill((byte)'#');

        var written = NetstringEncoder.Encode(Ascii("poem"), destination);

        Assert.Equal(7, written);
        Assert.Equal("4:poem,###", Ascii(destination));
    }

    [Fact]
    public void Encoding_into_a_span_that_is_too_small_throws_and_says_how_much_is_needed()
    {
        var destination = new byte[6];

        var error = Assert.Throws<ArgumentException>(() => NetstringEncoder.Encode(Ascii("poem"), destination));

        Assert.Contains("needs 7 bytes", error.Message);
    }

    [Fact]
    public void Trying_to_encode_into_a_span_that_is_too_small_writes_nothing()
    {
        var destination = new byte[6];

        Assert.False(NetstringEncoder.TryEncode(Ascii("poem"), destination, out var written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encoded_payloads_of_every_length_up_to_a_thousand_decode_back_to_themselves()
    {
        var random = new Random(1234);
        var decoder = new NetstringDecoder();
        for (var length = 0; length <= 1000; length++)
        {
            var payload = new byte[length];
            random.NextBytes(payload);

            var status = decoder.Decode(NetstringEncoder.Encode(payload), out var consumed, out var frame);

            Assert.Equal(NetstringDecodeStatus.FrameDecoded, status);
            Assert.Equal(NetstringEncoder.EncodedLength(length), consumed);
            Assert.Equal(payload, frame);
        }
    }
}
