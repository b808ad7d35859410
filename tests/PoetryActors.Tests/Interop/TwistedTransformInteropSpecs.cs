using System.Net;
using System.Text;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using PoetryActors.Proxy;
using PoetryActors.Server;
using PoetryActors.Tests.Support;
using PoetryActors.Transform;
using Xunit;

namespace PoetryActors.Tests.Interop;

/// <summary>
/// Our servers and the Twisted tutorial's programs (<c>tests/twisted/</c>, run with Debian's
/// python3-twisted) on the same wire: a Twisted <c>NetstringReceiver</c> client against our
/// transform server, our netstring codec against the Twisted transform server, and the
/// tutorial's poetry client against our slow poem server and caching proxy.
/// </summary>
public sealed class TwistedTransformInteropSpecs() : TestKit(Config)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.listener.drain-timeout = 1s
        """;

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    // Poems whose every character Python's str.lower() and .NET's cummingsify lower alike (see
    // tests/twisted/README.md): ASCII, German with ß and umlauts, Russian Cyrillic.
    public static TheoryData<string> Poems => new() { "ecstasy.txt", "lorelei.txt", "pushkin.txt" };

    private static string PoemPath(string file) => Path.Combine(AppContext.BaseDirectory, "poetry", file);

    private static byte[] Poem(string file) => File.ReadAllBytes(PoemPath(file));

    /// <summary>What our cummingsify makes of <paramref name="poem"/>, as UTF-8.</summary>
    private static byte[] Cummingsified(byte[] poem) =>
        Encoding.UTF8.GetBytes(PoemTransforms.Cummingsify.Apply(Encoding.UTF8.GetString(poem)));

    private Task<RunningKind> StartTransformAsync() =>
        RunningKind.StartAsync(Sys, TransformKind.Kind, new Dictionary<string, string>
        {
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);

    private Task<TwistedPeer.Server> StartTwistedTransformAsync() =>
        TwistedPeer.StartServerAsync("transform_server.py", [], Deadline);

    private Task<TwistedPeer.Run> RunTwistedNetstringClientAsync(int port, string transform, string poemFile) =>
        TwistedPeer.RunAsync("netstring_client.py",
            ["--port", port.ToString(), "--transform", transform, "--poem-file", PoemPath(poemFile), "--timeout", "20"], Deadline);

    [TwistedPeer.Theory]
    [MemberData(nameof(Poems))]
    public async Task A_twisted_netstring_client_gets_the_poem_cummingsified_by_our_transform_server(string poemFile)
    {
        await using var server = await StartTransformAsync();

        var run = await RunTwistedNetstringClientAsync(server.Address.Port, "cummingsify", poemFile);

        Assert.True(run.ExitCode == 0, $"netstring_client.py exited {run.ExitCode}: {run.Stderr}");
        Assert.Equal(Cummingsified(Poem(poemFile)), run.Stdout);
    }

    [TwistedPeer.Fact]
    public async Task A_twisted_netstring_client_gets_no_reply_from_our_transform_server_for_an_unknown_transform()
    {
        await using var server = await StartTransformAsync();

        var run = await EventFilter.Warning(contains: "refused: unknown transform 'sonnetify'").ExpectOneAsync(Deadline,
            () => RunTwistedNetstringClientAsync(server.Address.Port, "sonnetify", "ecstasy.txt"));

        Assert.True(run.ExitCode == 3, $"netstring_client.py exited {run.ExitCode}: {run.Stderr}");
        Assert.Contains("no reply", run.Stderr);
        Assert.Empty(run.Stdout);
    }

    [TwistedPeer.Theory]
    [MemberData(nameof(Poems))]
    public async Task Our_netstring_codec_gets_the_poem_cummingsified_by_the_twisted_transform_server(string poemFile)
    {
        await using var twisted = await StartTwistedTransformAsync();

        var reply = await NetstringExchange.TransformAsync(twisted.Address, "cummingsify", Poem(poemFile), Deadline);

        Assert.Equal(Cummingsified(Poem(poemFile)), reply);
    }

    [TwistedPeer.Fact]
    public async Task The_twisted_transform_server_closes_with_zero_bytes_for_an_unknown_transform_as_ours_does()
    {
        await using var twisted = await StartTwistedTransformAsync();
        await using var ours = await StartTransformAsync();
        var request = NetstringExchange.Request("sonnetify", "A POEM");

        var theirs = await NetstringExchange.ExchangeAsync(twisted.Address, request, Deadline);
        var mine = await EventFilter.Warning(contains: "refused: unknown transform 'sonnetify'")
            .ExpectOneAsync(Deadline, () => NetstringExchange.ExchangeAsync(ours.Address, request, Deadline));

        Assert.True(theirs.ClosedWithNothing);
        Assert.True(mine.ClosedWithNothing);
    }

    [TwistedPeer.Theory]
    [InlineData("27:cummingsify.HERE IS MY POEM,", "15:here is my poem,")]
    [InlineData("12:cummingsify.,", "0:,")]
    public async Task Both_transform_servers_answer_the_design_examples_byte_for_byte_alike(string request, string expected)
    {
        await using var twisted = await StartTwistedTransformAsync();
        await using var ours = await StartTransformAsync();
        var bytes = Encoding.ASCII.GetBytes(request);

        var theirs = await NetstringExchange.ExchangeAsync(twisted.Address, bytes, Deadline);
        var mine = await NetstringExchange.ExchangeAsync(ours.Address, bytes, Deadline);

        Assert.Equal(expected, Encoding.ASCII.GetString(theirs.Received));
        Assert.Equal(expected, Encoding.ASCII.GetString(mine.Received));
    }

    [TwistedPeer.Fact]
    public async Task The_twisted_poetry_client_gets_our_slow_and_proxied_poems_byte_exact()
    {
        var ecstasy = Poem("ecstasy.txt");
        var lorelei = Poem("lorelei.txt");
        await using var slow = await RunningKind.StartAsync(Sys, SlowPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = PoemPath("ecstasy.txt"),
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["num-bytes"] = "500",
            ["delay"] = "20ms",
        }, Deadline);
        await using var upstream = await RunningKind.StartAsync(Sys, FastPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = PoemPath("lorelei.txt"),
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);
        await using var proxy = await RunningKind.StartAsync(Sys, ProxyKind.Kind, new Dictionary<string, string>
        {
            ["upstream"] = upstream.NetAddress.ToString(),
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);

        // The proxy twice at once: one of them fetches, the other shares the fetch or the cache.
        string[] addresses = [Address(slow.Address), Address(proxy.Address), Address(proxy.Address)];
        var run = await TwistedPeer.RunAsync("poem_client.py", [.. addresses, "--timeout", "20"], Deadline);

        Assert.True(run.ExitCode == 0, $"poem_client.py exited {run.ExitCode}: {run.StdoutText} {run.Stderr}");
        var poems = ParsePoems(run.StdoutText);
        Assert.Equal(addresses, poems.Select(p => p.Address));
        Assert.Equal(ecstasy, poems[0].Poem);
        Assert.Equal(lorelei, poems[1].Poem);
        Assert.Equal(lorelei, poems[2].Poem);

        // And once more, now certainly from the cache.
        var cached = await TwistedPeer.RunAsync("poem_client.py", [Address(proxy.Address), "--timeout", "20"], Deadline);
        Assert.True(cached.ExitCode == 0, $"poem_client.py exited {cached.ExitCode}: {cached.StdoutText} {cached.Stderr}");
        Assert.Equal(lorelei, ParsePoems(cached.StdoutText)[0].Poem);
    }

    private static string Address(IPEndPoint endpoint) => $"{endpoint.Address}:{endpoint.Port}";

    private static List<(string Address, byte[] Poem)> ParsePoems(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e =>
        {
            Assert.True(e.GetProperty("ok").GetBoolean(), $"fetch failed: {e}");
            return (e.GetProperty("address").GetString()!, Convert.FromBase64String(e.GetProperty("poem_b64").GetString()!));
        }).ToList();
    }
}
