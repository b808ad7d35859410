using System.Text;
using PoetryActors.Transform;
using PoetryActors.Wire;
using Xunit;

namespace PoetryActors.Tests.Transform;

public sealed class TransformRequestProcessorSpecs
{
    private static readonly TransformRequestProcessor Processor = new(TransformRegistry.Default);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Reply(string request) => Reply(Utf8(request));

    private static string Reply(byte[] request)
    {
        Assert.True(Processor.TryProcess(request, out var reply, out var error), error);
        return Encoding.UTF8.GetString(reply);
    }

    private static string Error(byte[] request, TransformRequestProcessor? processor = null)
    {
        Assert.False((processor ?? Processor).TryProcess(request, out var reply, out var error));
        Assert.Null(reply);
        return error;
    }

    private static string Error(string request) => Error(Utf8(request));

    [Fact]
    public void The_design_example_is_answered_with_the_poem_in_lower_case()
    {
        Assert.Equal("here is my poem", Reply("cummingsify.HERE IS MY POEM"));
    }

    [Fact]
    public void The_design_example_netstring_is_answered_with_the_design_example_netstring()
    {
        var decoder = new NetstringDecoder();
        decoder.Decode(Utf8("27:cummingsify.HERE IS MY POEM,"), out _, out var request);

        Assert.True(Processor.TryProcessToNetstring(request, out var reply, out _));
        Assert.Equal("15:here is my poem,", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    public void An_empty_poem_is_answered_with_an_empty_netstring_as_in_the_design()
    {
        var decoder = new NetstringDecoder();
        decoder.Decode(Utf8("12:cummingsify.,"), out _, out var request);

        Assert.True(Processor.TryProcess(request, out var payload, out _));
        Assert.True(Processor.TryProcessToNetstring(request, out var netstring, out _));
        Assert.Empty(payload);
        Assert.Equal("0:,", Encoding.ASCII.GetString(netstring));
    }

    [Fact]
    public void The_request_is_split_at_the_first_dot_so_the_poem_keeps_its_own()
    {
        Assert.Equal("one. two... three.", Reply("cummingsify.ONE. TWO... THREE."));
        Assert.Equal(".", Reply("cummingsify.."));
    }

    [Fact]
    public void A_poem_in_any_script_comes_back_in_utf8()
    {
        Assert.Equal("привет, σοφία — ärger 🌹", Reply("cummingsify.ПРИВЕТ, ΣΟΦΊΑ — ÄRGER 🌹"));
        Assert.Equal("ПРИВЕТ", Reply("shout.привет"));
    }

    [Fact]
    public void The_payload_and_netstring_replies_agree()
    {
        var requests = new[]
        {
            "cummingsify.A", "shout.whose woods these are", "reverse-lines.a\nb\n", "title-case.ÉTÉ",
            "cummingsify." + new string('X', 9_999) + "Ω",
        };

        foreach (var request in requests)
        {
            Assert.True(Processor.TryProcess(Utf8(request), out var payload, out _));
            Assert.True(Processor.TryProcessToNetstring(Utf8(request), out var netstring, out _));
            Assert.Equal(NetstringEncoder.Encode(payload), netstring);
        }
    }

    [Fact]
    public void A_request_with_no_dot_is_refused_with_that_reason()
    {
        Assert.Equal("request has no '.' between transform name and poem", Error("cummingsify HERE IS MY POEM"));
        Assert.Equal("request has no '.' between transform name and poem", Error(""));
    }

    [Fact]
    public void A_request_with_an_empty_name_is_refused()
    {
        Assert.Equal("request has an empty transform name before the '.'", Error(".HERE IS MY POEM"));
    }

    [Fact]
    public void An_unknown_transform_is_refused_by_name()
    {
        Assert.Equal("unknown transform 'uppercase'", Error("uppercase.here is my poem"));
    }

    [Fact]
    public void Transform_names_are_case_sensitive_as_in_the_original()
    {
        Assert.Equal("unknown transform 'Cummingsify'", Error("Cummingsify.HERE"));
    }

    [Fact]
    public void An_unknown_name_is_shown_in_the_reason_without_control_characters_and_cut_short()
    {
        Assert.Equal("unknown transform 'bad\\x0Aname\\x1B[31m'", Error("bad\nname\u001b[31m.poem"));

        var reason = Error(new string('n', 10_000) + ".poem");
        Assert.Equal("unknown transform '" + new string('n', 64) + "...'", reason);
    }

    [Fact]
    public void A_name_that_is_not_utf8_is_an_unknown_transform()
    {
        byte[] request = [0xFF, (byte)'s', (byte)'.', (byte)'x'];

        Assert.Equal("unknown transform '\uFFFDs'", Error(request));
    }

    [Fact]
    public void A_poem_that_is_not_utf8_is_refused_with_the_offset_of_the_bad_byte()
    {
        byte[] request = [.. Utf8("cummingsify.ab"), 0xFF, (byte)'c'];

        Assert.Equal(
            "poem is not valid UTF-8: byte 0xFF at offset 2 of the poem does not start a valid sequence",
            Error(request));
    }

    [Fact]
    public void A_poem_that_ends_inside_a_utf8_sequence_is_refused()
    {
        byte[] request = [.. Utf8("cummingsify.é"), 0xE2, 0x82];

        Assert.Equal(
            "poem is not valid UTF-8: byte 0xE2 at offset 2 of the poem does not start a valid sequence",
            Error(request));
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0xAF })] // an overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a UTF-16 surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // beyond U+10FFFF
    [InlineData(new byte[] { 0x80 })] // a lone continuation byte
    public void Utf8_that_decoders_must_refuse_is_refused(byte[] poem)
    {
        var reason = Error([.. Utf8("cummingsify.ok "), .. poem]);

        Assert.StartsWith("poem is not valid UTF-8: byte ", reason);
        Assert.Contains("at offset 3 of the poem", reason);
    }

    [Fact]
    public void A_transform_that_throws_is_refused_with_the_exception_message()
    {
        var processor = new TransformRequestProcessor(TransformRegistry.Default.With(
            new PoemTransform("explode", "always fails", _ => throw new InvalidOperationException("no poetry today"))));

        Assert.Equal(
            "transform 'explode' threw InvalidOperationException: no poetry today",
            Error(Utf8("explode.poem"), processor));
    }

    [Fact]
    public void A_transform_that_returns_null_is_refused()
    {
        var processor = new TransformRequestProcessor(TransformRegistry.Default.With(
            new PoemTransform("nothing", "returns nothing", _ => null!)));

        Assert.Equal("transform 'nothing' returned no poem", Error(Utf8("nothing.poem"), processor));
    }

    [Fact]
    public void A_reply_longer_than_the_maximum_is_refused_because_the_original_clients_would_refuse_it()
    {
        var processor = new TransformRequestProcessor(TransformRegistry.Default.With(
            new PoemTransform("double", "says it twice", s => s + s)));
        var poem = new string('a', 60_000);

        Assert.Equal(
            "transform 'double' made a reply of 120000 bytes, more than the maximum of 99999",
            Error(Utf8("double." + poem), processor));
        Assert.False(processor.TryProcessToNetstring(Utf8("double." + poem), out _, out _));
    }

    [Fact]
    public void A_reply_of_exactly_the_maximum_is_sent()
    {
        var processor = new TransformRequestProcessor(TransformRegistry.Default, maxReplyLength: 10);

        Assert.True(processor.TryProcess(Utf8("shout.0123456789"), out var reply, out _));
        Assert.Equal(10, reply.Length);
        Assert.False(processor.TryProcess(Utf8("shout.0123456789A"), out _, out _));
    }

    [Fact]
    public void A_three_thousand_byte_poem_comes_back_whole()
    {
        var poem = string.Concat(Enumerable.Repeat("AND THEN THE NIGHT — ΣΟΦΊΑ.\n", 100));
        Assert.True(Encoding.UTF8.GetByteCount(poem) >= 3_000);

        Assert.Equal(poem.ToLowerInvariant(), Reply("cummingsify." + poem));
    }

    [Fact]
    public void Random_requests_never_make_the_processor_throw()
    {
        var random = new Random(99);
        var names = new[] { "cummingsify", "shout", "reverse-lines", "title-case", "nope", "" };
        for (var i = 0; i < 20_000; i++)
        {
            var poem = new byte[random.Next(0, 64)];
            random.NextBytes(poem);
            byte[] request = random.Next(10) == 0
                ? poem
                : [.. Utf8(names[random.Next(names.Length)] + "."), .. poem];

            var ok = Processor.TryProcess(request, out var reply, out var error);

            Assert.True(ok ? reply is not null && error is null : reply is null && error is not null, $"request {i}");
        }
    }
}
