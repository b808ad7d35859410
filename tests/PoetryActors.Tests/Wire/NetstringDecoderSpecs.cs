using PoetryActors.Wire;
using Xunit;
using static PoetryActors.Tests.Wire.NetstringFeeding;

namespace PoetryActors.Tests.Wire;

public sealed class NetstringDecoderSpecs
{
    [Fact]
    public void A_netstring_decodes_to_its_payload_and_consumes_up_to_the_comma()
    {
        var decoder = new NetstringDecoder();

        var status = decoder.Decode(Ascii("12:hello world!,"), out var consumed, out var frame);

        Assert.Equal(NetstringDecodeStatus.FrameDecoded, status);
        Assert.Equal(16, consumed);
        Assert.Equal("hello world!", Ascii(frame!));
        Assert.True(decoder.IsAtFrameBoundary);
        Assert.Null(decoder.Error);
    }

    [Fact]
    public void The_design_example_request_decodes_to_name_dot_poem()
    {
        var result = Feed(new NetstringDecoder(), Ascii("27:cummingsify.HERE IS MY POEM,"));

        Assert.Equal("cummingsify.HERE IS MY POEM", Ascii(Assert.Single(result.Frames)));
    }

    [Fact]
    public void The_design_example_empty_poem_request_decodes()
    {
        var result = Feed(new NetstringDecoder(), Ascii("12:cummingsify.,"));

        Assert.Equal("cummingsify.", Ascii(Assert.Single(result.Frames)));
    }

    [Fact]
    public void A_zero_length_netstring_decodes_to_an_empty_payload()
    {
        var decoder = new NetstringDecoder();

        var status = decoder.Decode(Ascii("0:,"), out var consumed, out var frame);

        Assert.Equal(NetstringDecodeStatus.FrameDecoded, status);
        Assert.Equal(3, consumed);
        Assert.Empty(frame!);
    }

    [Fact]
    public void Empty_input_needs_more_data_and_consumes_nothing()
    {
        var decoder = new NetstringDecoder();

        var status = decoder.Decode(ReadOnlySpan<byte>.Empty, out var consumed, out var frame);

        Assert.Equal(NetstringDecodeStatus.NeedMoreData, status);
        Assert.Equal(0, consumed);
        Assert.Null(frame);
        Assert.True(decoder.IsAtFrameBoundary);
    }

    [Fact]
    public void Input_split_at_every_pair_of_byte_positions_decodes_the_same()
    {
        var data = Ascii("27:cummingsify.HERE IS MY POEM,0:,3:abc,");
        for (var first = 0; first <= data.Length; first++)
        {
            for (var second = first; second <= data.Length; second++)
            {
                var result = Feed(new NetstringDecoder(), data, first, second);

                Assert.True(
                    result.Frames.Select(Ascii).SequenceEqual(["cummingsify.HERE IS MY POEM", "", "abc"]),
                    $"split at {first} and {second}");
                Assert.Equal(data.Length, result.Consumed);
            }
        }
    }

    [Fact]
    public void Input_fed_one_byte_at_a_time_needs_more_data_until_the_comma()
    {
        var decoder = new NetstringDecoder();
        var data = Ascii("5:poems,");

        for (var i = 0; i < data.Length - 1; i++)
        {
            Assert.Equal(NetstringDecodeStatus.NeedMoreData, decoder.Decode(data.AsSpan(i, 1), out var consumed, out _));
            Assert.Equal(1, consumed);
            Assert.False(decoder.IsAtFrameBoundary);
        }

        Assert.Equal(NetstringDecodeStatus.FrameDecoded, decoder.Decode(data.AsSpan(data.Length - 1), out _, out var frame));
        Assert.Equal("poems", Ascii(frame!));
    }

    [Fact]
    public void Several_frames_in_one_buffer_decode_one_per_call_with_the_rest_left_unconsumed()
    {
        var decoder = new NetstringDecoder();
        ReadOnlySpan<byte> data = Ascii("3:one,3:two,0:,5:three,4:fo");

        var frames = new List<string>();
        while (decoder.Decode(data, out var consumed, out var frame) == NetstringDecodeStatus.FrameDecoded)
        {
            frames.Add(Ascii(frame!));
            data = data[consumed..];
        }

        Assert.Equal(["one", "two", "", "three"], frames);
        Assert.False(decoder.IsAtFrameBoundary);
        Assert.Equal(NetstringDecodeStatus.FrameDecoded, decoder.Decode(Ascii("ur,"), out _, out var fourth));
        Assert.Equal("fo" + "ur", Ascii(fourth!));
    }

    [Fact]
    public void Each_frame_gets_an_array_of_its_own()
    {
        var result = Feed(new NetstringDecoder(), Ascii("1:a,1:b,"));

        Assert.Equal("a", Ascii(result.Frames[0]));
        Assert.Equal("b", Ascii(result.Frames[1]));
        Assert.NotSame(result.Frames[0], result.Frames[1]);
    }

    [Fact]
    public void Payload_bytes_are_taken_as_they_are_even_digits_colons_commas_and_zeros()
    {
        byte[] payload = [(byte)'9', (byte)':', (byte)',', 0, 0xFF, (byte)'\n'];
        var data = NetstringEncoder.Encode(payload);

        var result = Feed(new NetstringDecoder(), data, 2, 4);

        Assert.Equal(payload, Assert.Single(result.Frames));
    }

    [Fact]
    public void A_length_with_a_leading_zero_is_rejected()
    {
        var decoder = new NetstringDecoder();

        var status = decoder.Decode(Ascii("01:a,"), out var consumed, out var frame);

        Assert.Equal(NetstringDecodeStatus.Failed, status);
        Assert.Equal(1, consumed);
        Assert.Null(frame);
        Assert.Equal("leading zero in netstring length", decoder.Error);
    }

    [Fact]
    public void A_length_of_two_zeros_is_rejected_as_a_leading_zero()
    {
        var result = Feed(new NetstringDecoder(), Ascii("00:,"));

        Assert.Equal(NetstringDecodeStatus.Failed, result.Last);
        Assert.Equal("leading zero in netstring length", result.Error);
    }

    [Fact]
    public void A_payload_of_exactly_the_maximum_length_is_accepted()
    {
        var payload = new byte[NetstringDecoder.DefaultMaxLength];
        Random.Shared.NextBytes(payload);

        var result = Feed(new NetstringDecoder(), NetstringEncoder.Encode(payload), 3, 50_000);

        Assert.Equal(payload, Assert.Single(result.Frames));
    }

    [Fact]
    public void A_length_one_over_the_maximum_is_rejected_at_its_last_digit_before_any_colon()
    {
        var decoder = new NetstringDecoder();

        var status = decoder.Decode(Ascii("100000"), out var consumed, out _);

        Assert.Equal(NetstringDecodeStatus.Failed, status);
        Assert.Equal(5, consumed);
        Assert.Equal("netstring length 100000 exceeds the maximum of 99999", decoder.Error);
    }

    [Fact]
    public void A_length_too_long_in_digits_is_rejected_without_waiting_for_the_rest_of_the_digits()
    {
        var decoder = new NetstringDecoder();

        var status = decoder.Decode(Ascii("123456"), out var consumed, out _);

        Assert.Equal(NetstringDecodeStatus.Failed, status);
        Assert.Equal(5, consumed);
        Assert.Equal("netstring length 123456 exceeds the maximum of 99999", decoder.Error);
    }

    [Fact]
    public void An_endless_run_of_digits_arriving_one_at_a_time_is_rejected_at_the_sixth()
    {
        var decoder = new NetstringDecoder();
        var digit = Ascii("9");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(NetstringDecodeStatus.NeedMoreData, decoder.Decode(digit, out _, out _));
        }

        Assert.Equal(NetstringDecodeStatus.Failed, decoder.Decode(digit, out _, out _));
        Assert.Equal("netstring length 999999 exceeds the maximum of 99999", decoder.Error);
    }

    [Fact]
    public void A_length_far_beyond_an_int_is_rejected_without_overflowing()
    {
        var decoder = new NetstringDecoder(int.MaxValue - 100);

        var result = Feed(decoder, Ascii("99999999999999999999999999:"));

        Assert.Equal(NetstringDecodeStatus.Failed, result.Last);
        Assert.Equal(9, result.Consumed);
        Assert.Equal($"netstring length 9999999999 exceeds the maximum of {int.MaxValue - 100}", result.Error);
    }

    [Theory]
    [InlineData(0, "0:,", true)]
    [InlineData(0, "1:a,", false)]
    [InlineData(5, "5:hello,", true)]
    [InlineData(5, "6:hello!,", false)]
    [InlineData(10, "10:0123456789,", true)]
    [InlineData(10, "11:0123456789A,", false)]
    public void A_configured_maximum_is_honoured_at_its_boundary(int maxLength, string netstring, bool accepted)
    {
        var decoder = new NetstringDecoder(maxLength);

        var result = Feed(decoder, Ascii(netstring));

        Assert.Equal(maxLength, decoder.MaxLength);
        Assert.Equal(accepted ? NetstringDecodeStatus.FrameDecoded : NetstringDecodeStatus.Failed, result.Last);
    }

    [Fact]
    public void A_negative_maximum_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetstringDecoder(-1));
    }

    [Fact]
    public void A_large_frame_under_a_large_maximum_decodes_when_it_arrives_in_small_pieces()
    {
        var payload = new byte[1_000_003];
        new Random(7).NextBytes(payload);
        var data = NetstringEncoder.Encode(payload);
        var cuts = Enumerable.Range(1, data.Length / 1000).Select(i => i * 1000).ToArray();

        var result = Feed(new NetstringDecoder(2_000_000), data, cuts);

        Assert.Equal(payload, Assert.Single(result.Frames));
    }

    [Fact]
    public void A_missing_comma_is_rejected_with_the_byte_found_instead()
    {
        var result = Feed(new NetstringDecoder(), Ascii("12:hello world!x"));

        Assert.Equal(NetstringDecodeStatus.Failed, result.Last);
        Assert.Equal(15, result.Consumed);
        Assert.Equal("expected ',' after 12 payload bytes but got 0x78 ('x')", result.Error);
    }

    [Fact]
    public void A_payload_longer_than_announced_is_rejected_at_the_comma()
    {
        var result = Feed(new NetstringDecoder(), Ascii("4:abcde"));

        Assert.Equal("expected ',' after 4 payload bytes but got 0x65 ('e')", result.Error);
    }

    [Fact]
    public void A_non_digit_where_the_length_starts_is_rejected()
    {
        var result = Feed(new NetstringDecoder(), Ascii("abc"));

        Assert.Equal(NetstringDecodeStatus.Failed, result.Last);
        Assert.Equal(0, result.Consumed);
        Assert.Equal("non-digit byte 0x61 ('a') in netstring length", result.Error);
    }

    [Fact]
    public void A_non_digit_after_the_length_digits_is_rejected_as_a_missing_colon()
    {
        var result = Feed(new NetstringDecoder(), Ascii("12A"));

        Assert.Equal(2, result.Consumed);
        Assert.Equal("expected ':' after the length 12 but got 0x41 ('A')", result.Error);
    }

    [Fact]
    public void A_colon_with_no_length_before_it_is_rejected()
    {
        var result = Feed(new NetstringDecoder(), Ascii(":,"));

        Assert.Equal("netstring length is empty: ':' came before any digit", result.Error);
    }

    [Fact]
    public void A_byte_that_is_not_printable_is_described_in_hex_alone()
    {
        var result = Feed(new NetstringDecoder(), [(byte)'3', 0x0A]);

        Assert.Equal("expected ':' after the length 3 but got 0x0A", result.Error);
    }

    [Fact]
    public void A_failed_decoder_stays_failed_and_consumes_nothing_more()
    {
        var decoder = new NetstringDecoder();
        decoder.Decode(Ascii("x"), out _, out _);
        var reason = decoder.Error;

        var status = decoder.Decode(Ascii("3:abc,"), out var consumed, out var frame);

        Assert.Equal(NetstringDecodeStatus.Failed, status);
        Assert.Equal(0, consumed);
        Assert.Null(frame);
        Assert.True(decoder.IsFailed);
        Assert.Equal(reason, decoder.Error);
    }

    [Fact]
    public void Reset_clears_a_failure()
    {
        var decoder = new NetstringDecoder();
        decoder.Decode(Ascii("01"), out _, out _);

        decoder.Reset();

        Assert.False(decoder.IsFailed);
        Assert.Null(decoder.Error);
        Assert.Equal("abc", Ascii(Assert.Single(Feed(decoder, Ascii("3:abc,")).Frames)));
    }

    [Fact]
    public void Reset_discards_a_partial_frame()
    {
        var decoder = new NetstringDecoder();
        decoder.Decode(Ascii("10:abc"), out _, out _);
        Assert.False(decoder.IsAtFrameBoundary);

        decoder.Reset();

        Assert.True(decoder.IsAtFrameBoundary);
        Assert.Equal("xy", Ascii(Assert.Single(Feed(decoder, Ascii("2:xy,")).Frames)));
    }

    public static TheoryData<string> TwistedIllegalNetstrings() =>
    [
        "9999999999999999999999",
        "abc",
        "4:abcde",
        "51:" + new string('a', 50) + "b,",
        "2:aaa,",
        "0:a,",
        ":aaa,",
        "3aaa,",
        "aaa,",
    ];

    // Twisted's own NetstringReceiver tests (twisted/test/test_protocols.py) feed these one byte
    // at a time with a MAX_LENGTH of 50 and expect the connection to be dropped.
    [Theory]
    [MemberData(nameof(TwistedIllegalNetstrings))]
    public void Twisted_s_illegal_netstrings_are_rejected_when_fed_byte_by_byte(string netstring)
    {
        var data = Ascii(netstring);

        var result = Feed(new NetstringDecoder(50), data, [.. Enumerable.Range(1, data.Length - 1)]);

        Assert.Equal(NetstringDecodeStatus.Failed, result.Last);
        Assert.Empty(result.Frames);
    }

    [Fact]
    public void A_netstring_nested_in_a_payload_is_taken_as_payload_as_in_Twisted()
    {
        var result = Feed(new NetstringDecoder(), Ascii("4:1:a,,"));

        Assert.Equal("1:a,", Ascii(Assert.Single(result.Frames)));
    }
}
