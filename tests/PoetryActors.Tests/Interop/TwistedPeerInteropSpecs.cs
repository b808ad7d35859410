using System.Text;
using PoetryActors.Download;
using PoetryActors.Tests.Download;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PoetryActors.Tests.Interop;

/// <summary>
/// Our downloaders and transform client against the tutorial's servers, run by real Twisted
/// (tests/twisted/poem_server_for_tests.py and transform_server_for_tests.py).
/// </summary>
public sealed class TwistedPeerInteropSpecs(ITestOutputHelper output) : DownloadSpec(output)
{
    private static readonly FetchLimits Generous = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), 1024 * 1024);

    private static string PoemFile(string name) => Path.Combine(AppContext.BaseDirectory, "poetry", name);

    [TwistedPeer.Fact]
    public async Task Our_transform_client_gets_the_cummingsified_poem_from_a_Twisted_transform_server()
    {
        await using var xform = await TwistedPeer.StartServerAsync("transform_server_for_tests.py", [], Limit);
        var poem = Encoding.UTF8.GetBytes("HERE IS MY POEM,\nWITH ÉTÉ IN IT\n");

        var result = await TransformClient.TransformAsync(xform.NetAddress, "cummingsify", poem, Generous).WaitAsync(Limit);

        Assert.Equal("here is my poem,\nwith été in it\n", Encoding.UTF8.GetString(Assert.IsType<TransformResult.Transformed>(result).Poem));
    }

    [TwistedPeer.Fact]
    public async Task An_empty_poem_comes_back_from_a_Twisted_transform_server_as_an_empty_netstring()
    {
        await using var xform = await TwistedPeer.StartServerAsync("transform_server_for_tests.py", [], Limit);

        var result = await TransformClient.TransformAsync(xform.NetAddress, "cummingsify", Array.Empty<byte>(), Generous).WaitAsync(Limit);

        Assert.Empty(Assert.IsType<TransformResult.Transformed>(result).Poem);
    }

    [TwistedPeer.Fact]
    public async Task A_Twisted_transform_server_refuses_an_unknown_transform_with_zero_bytes_and_our_client_says_so()
    {
        await using var xform = await TwistedPeer.StartServerAsync("transform_server_for_tests.py", [], Limit);

        var result = await TransformClient.TransformAsync(xform.NetAddress, "frobnicate", "A POEM"u8.ToArray(), Generous).WaitAsync(Limit);

        Assert.Contains("closed the connection without a reply", Assert.IsType<TransformResult.Failed>(result).Reason);
    }

    [TwistedPeer.Fact]
    public async Task A_long_poem_within_Twisteds_netstring_limit_is_transformed_whole()
    {
        await using var xform = await TwistedPeer.StartServerAsync("transform_server_for_tests.py", [], Limit);
        var poem = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("SO MUCH DEPENDS UPON A RED WHEEL BARROW\n", 2000)));

        var result = await TransformClient.TransformAsync(xform.NetAddress, "cummingsify", poem, Generous).WaitAsync(Limit);

        Assert.Equal(Encoding.UTF8.GetString(poem).ToLowerInvariant(), Encoding.UTF8.GetString(Assert.IsType<TransformResult.Transformed>(result).Poem));
    }

    [TwistedPeer.Fact]
    public async Task Our_downloaders_fetch_from_a_Twisted_poem_server_byte_for_byte()
    {
        await using var server = await TwistedPeer.StartServerAsync("poem_server_for_tests.py", ["--poem", PoemFile("ecstasy.txt")], Limit);
        var settings = new DownloadSettings(Generous);

        var outcomes = await PoetryClient.AllSettledAsync(Sys, Enumerable.Repeat(server.NetAddress, 20), new DownloadOptions { Settings = settings })
            .WaitAsync(Limit);

        var expected = await File.ReadAllBytesAsync(PoemFile("ecstasy.txt"));
        Assert.All(outcomes, o => Assert.Equal(expected, PoemOf(o).Poem));
    }

    [TwistedPeer.Fact]
    public async Task Poems_from_Twisted_poem_servers_go_through_a_Twisted_transform_server_in_request_order()
    {
        await using var ecstasy = await TwistedPeer.StartServerAsync("poem_server_for_tests.py", ["--poem", PoemFile("ecstasy.txt")], Limit);
        await using var science = await TwistedPeer.StartServerAsync("poem_server_for_tests.py", ["--poem", PoemFile("science.txt")], Limit);
        await using var xform = await TwistedPeer.StartServerAsync("transform_server_for_tests.py", [], Limit);
        var settings = new DownloadSettings(Generous) { TransformServer = xform.NetAddress };

        var outcomes = await PoetryClient.AllSettledAsync(
            Sys, [ecstasy.NetAddress, science.NetAddress, ecstasy.NetAddress], new DownloadOptions { Settings = settings }).WaitAsync(Limit);

        string Lowered(string name) => File.ReadAllText(PoemFile(name)).ToLowerInvariant();
        Assert.Equal(
            [Lowered("ecstasy.txt"), Lowered("science.txt"), Lowered("ecstasy.txt")],
            outcomes.Select(o => Encoding.UTF8.GetString(PoemOf(o).Poem)));
        Assert.All(outcomes, o => Assert.True(PoemOf(o).Transform!.Succeeded));
    }
}
