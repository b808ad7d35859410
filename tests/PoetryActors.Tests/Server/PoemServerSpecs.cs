using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Listening.ListenerProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Server;

/// <summary>
/// The fast poem server on real sockets (127.0.0.1, port 0): the poem goes out byte for byte to
/// every client, however many and however rude, start failures name the service and the cause,
/// and a stop closes the port and drains or cuts the connections in flight.
/// </summary>
public sealed class PoemServerSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.services.start-timeout = 5s
        """;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private Config SystemConfig => Sys.Settings.Config;

    /// <summary>A started node (root collection) holding <paramref name="services"/>.</summary>
    private IActorRef StartNode(params ServiceSpec[] services)
    {
        var node = Sys.ActorOf(ServiceCollectionActor.Props(services, ServiceCollectionSettings.Create(SystemConfig)));
        node.Tell(StartService.Instance);
        ExpectMsg<ServiceStarted>(TimeSpan.FromSeconds(10));
        return node;
    }

    private async Task<(IActorRef Node, IPEndPoint Address)> ServeAsync(string poemFile, string name = "ecstasy")
    {
        var node = StartNode(FastPoetry.Spec(name, Poems.PathOf(poemFile), 0, SystemConfig));
        return (node, await FastPoetry.BoundAddressAsync(node, name));
    }

    private void Stop(IActorRef service)
    {
        service.Tell(StopService.Instance);
        ExpectMsg<ServiceStopped>(TimeSpan.FromSeconds(10));
    }

    public static TheoryData<string> AllPoems() => Poems.AllAsTheoryData();

    [Fact]
    public void The_poems_under_test_include_the_UTF8_ones()
    {
        Assert.Contains("ecstasy.txt", Poems.All);
        Assert.Contains("lorelei.txt", Poems.All);
        Assert.Contains("pushkin.txt", Poems.All);
    }

    [Theory]
    [MemberData(nameof(AllPoems))]
    public async Task Every_poem_is_sent_byte_for_byte_as_it_is_in_the_file_and_then_the_connection_closes(string poemFile)
    {
        var (node, address) = await ServeAsync(poemFile);

        var received = await PoemClient.FetchAsync(address);

        Assert.Equal(await File.ReadAllBytesAsync(Poems.PathOf(poemFile)), received);
        Stop(node);
    }

    [Fact]
    public async Task Each_connection_is_logged_as_sending_N_bytes_of_poetry_to_the_peer()
    {
        var (node, address) = await ServeAsync("ecstasy.txt");
        var size = new FileInfo(Poems.PathOf("ecstasy.txt")).Length;

        await EventFilter.Info(start: $"sending {size} bytes of poetry to 127.0.0.1:")
            .ExpectOneAsync(async () => await PoemClient.FetchAsync(address));

        Stop(node);
    }

    [Fact]
    public async Task The_poem_service_logs_where_it_loaded_the_poem_from()
    {
        var path = Poems.PathOf("science.txt");

        await EventFilter.Info(message: $"loaded a poem from: {path}").ExpectOneAsync(async () =>
        {
            var (node, _) = await ServeAsync("science.txt");
            Stop(node);
        });
    }

    [Fact]
    public async Task Two_hundred_concurrent_clients_all_get_the_exact_bytes()
    {
        var (node, address) = await ServeAsync("ecstasy.txt");
        var expected = await File.ReadAllBytesAsync(Poems.PathOf("ecstasy.txt"));

        var received = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => PoemClient.FetchAsync(address))));

        Assert.All(received, poem => Assert.Equal(expected, poem));
        Stop(node);
    }

    [Fact]
    public async Task A_client_that_sends_something_before_reading_still_gets_the_whole_poem()
    {
        // Closing with the client's bytes unread would reset the connection and lose the end of
        // the poem; the server waits for the client's close instead.
        var path = Path.Combine(Path.GetTempPath(), $"epic-{Guid.NewGuid():N}.txt");
        var epic = new byte[4 * 1024 * 1024];
        new Random(1819).NextBytes(epic);
        await File.WriteAllBytesAsync(path, epic);
        try
        {
            var node = StartNode(FastPoetry.Spec("chatty", path, 0, SystemConfig));
            var address = await FastPoetry.BoundAddressAsync(node, "chatty");

            for (var i = 0; i < 3; i++)
            {
                using var client = await ConnectAsync(address);
                await client.SendAsync("hello?\r\n"u8.ToArray(), SocketFlags.None);
                using var deadline = new CancellationTokenSource(PoemClient.Deadline);
                var poem = await PoemClient.ReadToCloseAsync(client, deadline.Token);
                Assert.True(epic.AsSpan().SequenceEqual(poem), $"got {poem.Length} bytes, not the {epic.Length} of the poem");
            }
            Stop(node);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_poem_larger_than_the_socket_buffers_is_sent_whole_to_every_client()
    {
        // Every poem in poetry/ fits in the kernel's send buffer; this one takes the asynchronous path.
        var path = Path.Combine(Path.GetTempPath(), $"epic-{Guid.NewGuid():N}.txt");
        var epic = new byte[2 * 1024 * 1024];
        new Random(1633).NextBytes(epic);
        await File.WriteAllBytesAsync(path, epic);
        try
        {
            var node = StartNode(FastPoetry.Spec("epic", path, 0, SystemConfig));
            var address = await FastPoetry.BoundAddressAsync(node, "epic");

            var received = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => PoemClient.FetchAsync(address))));

            Assert.All(received, poem => Assert.True(epic.AsSpan().SequenceEqual(poem), $"got {poem.Length} bytes, not the {epic.Length} of the poem"));
            Stop(node);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_client_that_connects_and_resets_at_once_does_not_disturb_the_others()
    {
        var (node, address) = await ServeAsync("lorelei.txt");
        var expected = await File.ReadAllBytesAsync(Poems.PathOf("lorelei.txt"));

        // Rude and polite clients interleaved, all at once.
        var rude = Enumerable.Range(0, 50).Select(_ => Task.Run(() => PoemClient.ConnectAndResetAsync(address)));
        var polite = Enumerable.Range(0, 50).Select(_ => Task.Run(() => PoemClient.FetchAsync(address))).ToList();
        await Task.WhenAll(rude);
        var received = await Task.WhenAll(polite);

        Assert.All(received, poem => Assert.Equal(expected, poem));
        // And the listener still serves afterwards.
        Assert.Equal(expected, await PoemClient.FetchAsync(address));
        Stop(node);
    }

    [Fact]
    public void A_port_taken_by_another_program_fails_the_start_with_address_already_in_use_naming_the_listener()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var node = Sys.ActorOf(ServiceCollectionActor.Props(
            [FastPoetry.Spec("ecstasy", Poems.PathOf("ecstasy.txt"), port, SystemConfig)], ServiceCollectionSettings.Create(SystemConfig)));

        node.Tell(StartService.Instance);

        var failed = ExpectMsg<ServiceStartFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal("ecstasy/listener", failed.ServicePath);
        Assert.Contains("address already in use", failed.Reason);
        Assert.Contains($"127.0.0.1:{port}", failed.Reason);
    }

    [Fact]
    public async Task A_port_taken_by_another_poem_service_fails_the_start_with_address_already_in_use()
    {
        var (first, address) = await ServeAsync("ecstasy.txt");
        var node = Sys.ActorOf(ServiceCollectionActor.Props(
            [FastPoetry.Spec("science", Poems.PathOf("science.txt"), address.Port, SystemConfig)], ServiceCollectionSettings.Create(SystemConfig)));

        node.Tell(StartService.Instance);

        var failed = ExpectMsg<ServiceStartFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal("science/listener", failed.ServicePath);
        Assert.Contains("address already in use", failed.Reason);
        // The first service still serves its own poem, alone on its port.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Poems.PathOf("ecstasy.txt")), await PoemClient.FetchAsync(address));
        }

        Stop(first);
    }

    [Fact]
    public void A_missing_poem_file_fails_the_start_with_poem_file_not_found_naming_the_poem_service()
    {
        var missing = Path.Combine(Poems.Folder, "no-such-poem.txt");
        var options = new ServiceOptions(new Dictionary<string, object>
        {
            ["poem"] = missing,
            ["port"] = 0,
            ["iface"] = "127.0.0.1",
        });
        var node = Sys.ActorOf(ServiceCollectionActor.Props(
            [FastPoetry.Spec("ecstasy", options, SystemConfig)], ServiceCollectionSettings.Create(SystemConfig)));

        node.Tell(StartService.Instance);

        var failed = ExpectMsg<ServiceStartFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal("ecstasy/poem", failed.ServicePath);
        Assert.Contains("poem file not found", failed.Reason);
        Assert.Contains(missing, failed.Reason);
    }

    [Fact]
    public async Task After_the_stop_is_answered_the_port_is_closed()
    {
        var (node, address) = await ServeAsync("ozymandias.txt");
        Assert.NotEmpty(await PoemClient.FetchAsync(address));

        Stop(node);

        Assert.True(await PoemClient.IsRefusedAsync(address), $"{address} still accepts connections after the stop");
    }

    [Fact]
    public async Task A_stopped_poem_server_starts_again_on_a_fresh_port_and_serves()
    {
        var (node, first) = await ServeAsync("pushkin.txt");
        Stop(node);

        node.Tell(StartService.Instance);
        ExpectMsg<ServiceStarted>(TimeSpan.FromSeconds(10));
        var second = await FastPoetry.BoundAddressAsync(node, "ecstasy");

        Assert.Equal(await File.ReadAllBytesAsync(Poems.PathOf("pushkin.txt")), await PoemClient.FetchAsync(second));
        Assert.True(second.Port > 0 && first.Port > 0);
        Stop(node);
    }

    [Fact]
    public async Task A_restarted_server_binds_its_port_again_while_its_old_connections_are_in_TIME_WAIT()
    {
        var (first, address) = await ServeAsync("ecstasy.txt");
        // The server closes first, so these leave connections in TIME_WAIT on the server's port.
        for (var i = 0; i < 5; i++)
        {
            await PoemClient.FetchAsync(address);
        }

        Stop(first);

        var again = StartNode(FastPoetry.Spec("again", Poems.PathOf("ecstasy.txt"), address.Port, SystemConfig));

        Assert.Equal(address, await FastPoetry.BoundAddressAsync(again, "again"));
        Assert.NotEmpty(await PoemClient.FetchAsync(address));
        Stop(again);
    }

    [Fact]
    public void A_listener_that_is_not_running_answers_NotBound()
    {
        var listener = Sys.ActorOf(ListenerActor.Props(ListenerSettings.Create("127.0.0.1", 0), new HeldConnectionHandler()), "listener");

        listener.Tell(GetBoundAddress.Instance);

        ExpectMsg(NotBound.Instance);
    }

    [Fact]
    public async Task A_listener_stop_closes_the_port_at_once_but_waits_for_a_slow_connection_in_flight()
    {
        var handler = new HeldConnectionHandler();
        var (listener, address) = StartListener(handler, drain: TimeSpan.FromSeconds(30));
        using var client = await ConnectAsync(address);
        await handler.Entered.Task.WaitAsync(PoemClient.Deadline);

        listener.Tell(StopService.Instance);

        await AwaitConditionAsync(() => PoemClient.IsRefusedAsync(address), TimeSpan.FromSeconds(5));
        ExpectNoMsg(Quiet);
        handler.Release.SetResult();
        ExpectMsg<ServiceStopped>(TimeSpan.FromSeconds(5));
        using var deadline = new CancellationTokenSource(PoemClient.Deadline);
        Assert.Equal(HeldConnectionHandler.Farewell, await PoemClient.ReadToCloseAsync(client, deadline.Token));
        Assert.False(handler.Cancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task A_listener_stop_cuts_a_connection_still_open_after_the_drain_timeout()
    {
        var handler = new HeldConnectionHandler();
        var (listener, address) = StartListener(handler, drain: TimeSpan.FromMilliseconds(300));
        using var client = await ConnectAsync(address);
        await handler.Entered.Task.WaitAsync(PoemClient.Deadline);
        var clock = Stopwatch.StartNew();

        listener.Tell(StopService.Instance);

        ExpectMsg<ServiceStopped>(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"the stop answered after {clock.Elapsed}, before the drain timeout");
        await handler.Cancelled.Task.WaitAsync(PoemClient.Deadline);
        using var deadline = new CancellationTokenSource(PoemClient.Deadline);
        // Cut, it is reset, never closed cleanly as if whatever it had were the whole poem.
        var cut = await Assert.ThrowsAsync<SocketException>(() => PoemClient.ReadToCloseAsync(client, deadline.Token));
        Assert.Equal(SocketError.ConnectionReset, cut.SocketErrorCode);
    }

    [Fact]
    public async Task A_failure_on_one_connection_never_touches_the_listener_or_another_connection()
    {
        var handler = new HeldConnectionHandler { FailFirst = true };
        var (listener, address) = StartListener(handler, drain: TimeSpan.FromSeconds(5));

        using var deadline = new CancellationTokenSource(PoemClient.Deadline);
        // The failed connection is reset: its client cannot take the nothing it got for a poem. The
        // reset may come so soon that the client sees it while its connect completes.
        var failed = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var first = await ConnectAsync(address);
            await PoemClient.ReadToCloseAsync(first, deadline.Token);
        });
        Assert.Equal(SocketError.ConnectionReset, failed.SocketErrorCode);
        handler.Release.SetResult();

        Assert.Equal(HeldConnectionHandler.Farewell, await PoemClient.FetchAsync(address));
        listener.Tell(GetStatus.Instance);
        ExpectMsg(new CurrentStatus("listener", true));
        Stop(listener);
    }

    private (IActorRef Listener, IPEndPoint Address) StartListener(IConnectionHandler handler, TimeSpan drain)
    {
        var config = ConfigurationFactory.ParseString($"poetry.listener.drain-timeout = {(int)drain.TotalMilliseconds}ms");
        var listener = Sys.ActorOf(ListenerActor.Props(ListenerSettings.Create("127.0.0.1", 0, config), handler), "listener");
        listener.Tell(StartService.Instance);
        ExpectMsg(new ServiceStarted("listener"), TimeSpan.FromSeconds(10));
        listener.Tell(GetBoundAddress.Instance);
        return (listener, ExpectMsg<BoundTo>().Address);
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(PoemClient.Deadline);
        await socket.ConnectAsync(address, deadline.Token);
        return socket;
    }

    /// <summary>
    /// A connection handler that holds every connection until <see cref="Release"/> is completed,
    /// then says <see cref="Farewell"/>; it records when it is entered and when the listener cuts it.
    /// </summary>
    private sealed class HeldConnectionHandler : IConnectionHandler
    {
        public static readonly byte[] Farewell = "farewell\n"u8.ToArray();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Throw on the first connection, as a broken protocol would.</summary>
        public bool FailFirst { get; init; }

        private int _connections;

        public async ValueTask ServeAsync(Socket connection, CancellationToken cancel)
        {
            if (FailFirst && Interlocked.Increment(ref _connections) == 1)
            {
                throw new InvalidOperationException("this connection is broken on purpose");
            }

            Entered.TrySetResult();
            try
            {
                await Release.Task.WaitAsync(cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Cancelled.TrySetResult();
                throw;
            }
            await connection.SendAsync(Farewell, SocketFlags.None, cancel);
        }
    }
}
