using System.Net.Sockets;
using System.Text;
using Akka.TestKit.Xunit2;
using PoetryActors.Instruments;
using PoetryActors.Proxy;
using PoetryActors.Server;
using PoetryActors.Tests.Support;
using PoetryActors.Transform;
using Xunit;

namespace PoetryActors.Tests.Instruments;

/// <summary>
/// The instruments as a MeterListener (dotnet-counters, OpenTelemetry) sees them, after real
/// connections to real services on 127.0.0.1:0.
/// </summary>
public sealed class ServiceInstrumentsSpecs() : TestKit(Config)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.listener.drain-timeout = 300ms
        """;

    private readonly TempPoem _poem = new("Because I could not stop for Death,\nHe kindly stopped for me;\n");

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(20));

    private static string ServiceOf(RunningKind kind) => ServiceInstruments.ServiceName(kind.Collection.Path / "listener");

    private Task<RunningKind> StartFastPoetryAsync() =>
        RunningKind.StartAsync(Sys, FastPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = _poem.Path,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);

    private Task<RunningKind> StartSlowPoetryAsync(string delay) =>
        RunningKind.StartAsync(Sys, SlowPoetryKind.Kind, new Dictionary<string, string>
        {
            ["poem"] = _poem.Path,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["num-bytes"] = "4",
            ["delay"] = delay,
        }, Deadline);

    [Fact]
    public async Task Each_poem_a_client_receives_is_counted_as_served_with_its_bytes_and_its_connection()
    {
        await using var server = await StartFastPoetryAsync();
        using var meter = new MeterReading(ServiceOf(server));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(_poem.Bytes, await PoemClient.FetchAsync(server.Address));
        }

        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.connections.accepted") == 5 && m.Value("poetry.connections.in_flight") == 0, Deadline),
            $"accepted {meter.Value("poetry.connections.accepted")}, in flight {meter.Value("poetry.connections.in_flight")}");
        Assert.Equal(5, meter.Value("poetry.poems.served"));
        Assert.Equal(5L * _poem.Bytes.Length, meter.Value("poetry.poems.sent"));
        Assert.Equal(5, meter.Recorded("poetry.serve.duration").Count);
        Assert.All(meter.Recorded("poetry.serve.duration"), seconds => Assert.InRange(seconds, 0, Deadline.TotalSeconds));
        // A poem server has no proxy or transform series.
        Assert.False(meter.Reported("poetry.proxy.hits"));
        Assert.False(meter.Reported("poetry.transforms"));
    }

    [Fact]
    public async Task Transforms_are_counted_by_transform_and_outcome_and_a_peers_unknown_name_makes_no_series_of_its_own()
    {
        await using var server = await RunningKind.StartAsync(Sys, TransformKind.Kind, new Dictionary<string, string>
        {
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);
        using var meter = new MeterReading(ServiceOf(server));

        Assert.Equal("15:here is my poem,", Encoding.ASCII.GetString(
            (await NetstringExchange.ExchangeAsync(server.Address, NetstringExchange.Request("cummingsify", "HERE IS MY POEM"), Deadline)).Received));
        await NetstringExchange.ExchangeAsync(server.Address, NetstringExchange.Request("cummingsify", "Another"), Deadline);
        await NetstringExchange.ExchangeAsync(server.Address, NetstringExchange.Request("no-such-transform", "x"), Deadline);
        await NetstringExchange.ExchangeAsync(server.Address, NetstringExchange.Request("shout", [0xff, 0xfe]), Deadline);
        await NetstringExchange.ExchangeAsync(server.Address, "11:no dot here,"u8.ToArray(), Deadline);

        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.connections.accepted") == 5, Deadline));
        Assert.Equal(2, meter.Value("poetry.transforms", "outcome=applied", "transform=cummingsify"));
        Assert.Equal(1, meter.Value("poetry.transforms", "outcome=unknown", "transform=-"));
        Assert.Equal(1, meter.Value("poetry.transforms", "outcome=invalid", "transform=shout"));
        Assert.Equal(1, meter.Value("poetry.transforms", "outcome=invalid", "transform=-"));
        Assert.Equal(0, meter.Value("poetry.transforms", "outcome=unknown", "transform=no-such-transform"));
        Assert.False(meter.Reported("poetry.poems.served"));
    }

    [Fact]
    public async Task A_proxy_counts_its_first_client_as_a_miss_with_one_upstream_fetch_and_the_next_ones_as_hits()
    {
        await using var upstream = await StartFastPoetryAsync();
        await using var proxy = await RunningKind.StartAsync(Sys, ProxyKind.Kind, new Dictionary<string, string>
        {
            ["upstream"] = upstream.NetAddress.ToString(),
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);
        using var meter = new MeterReading(ServiceOf(proxy));

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(_poem.Bytes, await PoemClient.FetchAsync(proxy.Address));
        }

        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.poems.served") == 4, Deadline));
        Assert.Equal(1, meter.Value("poetry.proxy.misses"));
        Assert.Equal(1, meter.Value("poetry.proxy.fetches"));
        Assert.Equal(3, meter.Value("poetry.proxy.hits"));
        Assert.Equal(0, meter.Value("poetry.proxy.fetch_failures"));
        Assert.Equal(4L * _poem.Bytes.Length, meter.Value("poetry.poems.sent"));
    }

    [Fact]
    public async Task A_proxy_whose_upstream_refuses_counts_the_failed_fetch_and_serves_no_poem()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Bound but not listening: connections to it are refused, and no one else can take the port.
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await using var proxy = await RunningKind.StartAsync(Sys, ProxyKind.Kind, new Dictionary<string, string>
        {
            ["upstream"] = "127.0.0.1:" + ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port,
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
        }, Deadline);
        using var meter = new MeterReading(ServiceOf(proxy));

        Assert.Empty(await PoemClient.FetchAsync(proxy.Address));

        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.proxy.fetch_failures") == 1, Deadline));
        Assert.Equal(1, meter.Value("poetry.proxy.fetches"));
        Assert.Equal(0, meter.Value("poetry.poems.served"));
    }

    [Fact]
    public async Task A_client_that_resets_a_slow_poem_is_counted_as_a_connection_cut_by_reset()
    {
        await using var server = await StartSlowPoetryAsync("50ms");
        using var meter = new MeterReading(ServiceOf(server));

        await PoemClient.ConnectAndResetAsync(server.Address);

        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.connections.cut", "reason=reset") == 1, Deadline),
            $"cut: {meter.Value("poetry.connections.cut", "reason=reset")} by reset");
        Assert.Equal(0, meter.Value("poetry.connections.in_flight"));
        Assert.Equal(0, meter.Value("poetry.poems.served"));
    }

    [Fact]
    public async Task A_slow_poem_still_going_when_its_service_stops_is_counted_as_cut_by_the_drain()
    {
        var server = await StartSlowPoetryAsync("1s");
        using var meter = new MeterReading(ServiceOf(server));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.Address);
        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.connections.in_flight") == 1, Deadline));

        await server.DisposeAsync();

        Assert.True(await meter.WaitForAsync(m => m.Value("poetry.connections.cut", "reason=drain") == 1, Deadline),
            $"cut by the drain: {meter.Value("poetry.connections.cut", "reason=drain")}");
        Assert.Equal(0, meter.Value("poetry.connections.in_flight"));
    }

    [Fact]
    public void A_services_label_is_its_path_under_the_node()
    {
        var root = new Akka.Actor.RootActorPath(new Akka.Actor.Address("akka", "poetry"));
        Assert.Equal("ecstasy", ServiceInstruments.ServiceName(root / "user" / "node" / "ecstasy" / "listener"));
        Assert.Equal("group/ecstasy", ServiceInstruments.ServiceName(root / "user" / "node" / "group" / "ecstasy" / "listener2"));
        Assert.Equal("cache", ServiceInstruments.ServiceName(root / "user" / "node" / "cache" / "cache"));
        Assert.Equal("listener-1", ServiceInstruments.ServiceName(root / "user" / "listener-1"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _poem.Dispose();
        }
    }
}
