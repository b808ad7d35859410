using PoetryActors.Kinds;
using Xunit;

namespace PoetryActors.Tests.Kinds;

/// <summary>Addresses as the tutorial's clients take them: <c>PORT</c> meaning 127.0.0.1, or <c>HOST:PORT</c>.</summary>
public sealed class NetAddressSpecs
{
    [Fact]
    public void A_bare_port_means_127_0_0_1_as_the_tutorial_clients_assume()
    {
        Assert.Equal(new NetAddress("127.0.0.1", 10000), NetAddress.Parse("10000"));
    }

    [Theory]
    [InlineData("localhost:10000", "localhost", 10000)]
    [InlineData("10.0.0.7:1", "10.0.0.7", 1)]
    [InlineData("poems.example.org:65535", "poems.example.org", 65535)]
    [InlineData("  localhost:10001  ", "localhost", 10001)]
    [InlineData("[::1]:10002", "::1", 10002)]
    public void Host_and_port_are_read_with_host_names_and_bracketed_IPv6_literals(string text, string host, int port)
    {
        Assert.Equal(new NetAddress(host, port), NetAddress.Parse(text));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("+80")]
    [InlineData("localhost:")]
    [InlineData("localhost:http")]
    [InlineData(":10000")]
    [InlineData("")]
    public void Anything_else_is_refused_with_a_reason_that_quotes_the_text(string text)
    {
        Assert.False(NetAddress.TryParse(text, out _, out var error));
        Assert.Contains($"'{text.Trim()}'", error);
        var thrown = Assert.Throws<FormatException>(() => NetAddress.Parse(text));
        Assert.Equal(error, thrown.Message);
    }

    [Theory]
    [InlineData("localhost:10000", "localhost:10000")]
    [InlineData("10000", "127.0.0.1:10000")]
    [InlineData("[::1]:10000", "[::1]:10000")]
    public void An_address_prints_as_HOST_PORT_and_parses_back_to_itself(string text, string printed)
    {
        var address = NetAddress.Parse(text);

        Assert.Equal(printed, address.ToString());
        Assert.Equal(address, NetAddress.Parse(address.ToString()));
    }
}
