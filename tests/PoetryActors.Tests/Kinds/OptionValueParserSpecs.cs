using PoetryActors.Kinds;
using PoetryActors.Tests.Support;
using Xunit;

namespace PoetryActors.Tests.Kinds;

/// <summary>Option values as the command line and HOCON give them, parsed and checked the same way.</summary>
public sealed class OptionValueParserSpecs
{
    [Theory]
    [InlineData("0.7", 700)]
    [InlineData("700ms", 700)]
    [InlineData("2s", 2000)]
    [InlineData("1m", 60000)]
    [InlineData("1.5m", 90000)]
    [InlineData("0", 0)]
    [InlineData(" 3 ", 3000)]
    [InlineData("3", 3000)]
    public void Durations_are_seconds_as_in_the_tutorial_or_carry_a_unit(string text, int milliseconds)
    {
        Assert.True(OptionValueParser.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("bad")]
    [InlineData("")]
    [InlineData("ms")]
    [InlineData("-1")]
    [InlineData("1h")]
    [InlineData("1e3")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    [InlineData("99999999999999999999999")]
    public void A_duration_that_is_not_one_is_refused_not_thrown(string text)
    {
        Assert.False(OptionValueParser.TryParseDuration(text, out _));
        var option = new KindOption("delay", OptionType.Duration, "the delay");
        Assert.False(OptionValueParser.TryParse(option, text, out _, out var error));
        Assert.Contains($"'{text}'", error);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("10000", 10000)]
    [InlineData("65535", 65535)]
    public void A_port_is_0_to_65535(string text, int port)
    {
        var option = new KindOption("port", OptionType.Port, "the port");

        Assert.True(OptionValueParser.TryParse(option, text, out var value, out _));
        Assert.Equal(port, value);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("70000")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void Anything_else_is_not_a_port(string text)
    {
        var option = new KindOption("port", OptionType.Port, "the port");

        Assert.False(OptionValueParser.TryParse(option, text, out _, out var error));
        Assert.Equal($"expected a port from 0 to 65535 but got '{text}'", error);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("10", true)]
    [InlineData("0", false)]
    [InlineData("11", false)]
    [InlineData("ten", false)]
    [InlineData("99999999999999999999", false)]
    public void A_whole_number_is_checked_against_the_bounds_of_its_option(string text, bool accepted)
    {
        var option = new KindOption("num-bytes", OptionType.Integer, "bytes per chunk") { Min = 1, Max = 10 };

        Assert.Equal(accepted, OptionValueParser.TryParse(option, text, out var value, out var error));
        if (accepted)
        {
            Assert.Equal(int.Parse(text), value);
        }
        else
        {
            Assert.Equal($"expected a whole number from 1 to 10 but got '{text}'", error);
        }
    }

    [Fact]
    public void A_file_is_found_beside_the_executable_when_it_is_not_in_the_working_directory()
    {
        var option = new KindOption("poem", OptionType.File, "the poem");

        Assert.True(OptionValueParser.TryParse(option, "poetry/ecstasy.txt", out var value, out _));
        Assert.True(File.Exists(((LoadedFile)value).Path));
        Assert.True(OptionValueParser.TryParse(option, Poems.PathOf("ecstasy.txt"), out var absolute, out _));
        Assert.Equal(Poems.PathOf("ecstasy.txt"), ((LoadedFile)absolute).Path);
    }

    [Fact]
    public void A_file_that_is_not_there_is_refused_naming_it()
    {
        var option = new KindOption("poem", OptionType.File, "the poem");

        Assert.False(OptionValueParser.TryParse(option, "poetry/missing.txt", out _, out var error));
        Assert.Equal("file not found: poetry/missing.txt", error);
        Assert.Null(OptionValueParser.ResolveFile(Path.Combine(Poems.Folder, "missing.txt")));
    }

    [Fact]
    public void An_address_option_takes_PORT_or_HOST_PORT()
    {
        var option = new KindOption("upstream", OptionType.Address, "the upstream");

        Assert.True(OptionValueParser.TryParse(option, "localhost:10000", out var value, out _));
        Assert.Equal(new NetAddress("localhost", 10000), value);
        Assert.False(OptionValueParser.TryParse(option, "nowhere", out _, out var error));
        Assert.Contains("'nowhere'", error);
    }

    [Fact]
    public void Text_is_taken_as_it_is()
    {
        var option = new KindOption("iface", OptionType.Text, "the interface");

        Assert.True(OptionValueParser.TryParse(option, " localhost ", out var value, out _));
        Assert.Equal(" localhost ", value);
    }
}
