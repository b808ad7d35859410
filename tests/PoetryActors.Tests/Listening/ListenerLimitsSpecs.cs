using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using PoetryActors.Listening;
using PoetryActors.Tests.Support;
using Xunit;
using static PoetryActors.Listening.ListenerProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Listening;

/// <summary>
/// What one listener may hold under hostile clients: at most max-connections served at once (the
/// kernel queues the rest), and a bounded kernel send buffer per connection.
/// </summary>
public sealed class ListenerLimitsSpecs() : TestKit("akka.loglevel = INFO")
{
    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(20));

    private IPEndPoint StartListener(ListenerSettings settings, IConnectionHandler handler)
    {
        var listener = Sys.ActorOf(ListenerActor.Props(settings, handler));
        listener.Tell(StartService.Instance);
        ExpectMsg<ServiceStarted>(Deadline);
        listener.Tell(GetBoundAddress.Instance);
        return ExpectMsg<BoundTo>(Deadline).Address;
    }

    [Fact]
    public async Task At_max_connections_the_listener_stops_accepting_until_one_ends_and_says_so_once()
    {
        var handler = new HoldingHandler();
        var settings = ListenerSettings.Create("127.0.0.1", 0, ConfigurationFactory.ParseString("poetry.listener.max-connections = 2"));
        var address = StartListener(settings, handler);

        // Reaching the limit is said once, when the second connection takes the last slot.
        Socket? first = null;
        using var second = await EventFilter.Warning(contains: "has 2 connections open, its max-connections; not accepting until one ends")
            .ExpectOneAsync(Deadline, async () =>
            {
                first = await PoemClient.ConnectAsync(address);
                return await PoemClient.ConnectAsync(address);
            });
        await AwaitConditionAsync(() => Task.FromResult(handler.Served.Count == 2), Deadline);

        // The third connects (the kernel's queue takes it) but is not served while two are open.
        using var third = await PoemClient.ConnectAsync(address);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, handler.Served.Count);

        // The first ends (its client reads to the close and closes too): the third's turn.
        handler.Release(1);
        using var deadline = new CancellationTokenSource(Deadline);
        Assert.Equal(HoldingHandler.Farewell, await PoemClient.ReadToCloseAsync(first!, deadline.Token));
        first!.Dispose();
        await AwaitConditionAsync(() => Task.FromResult(handler.Served.Count == 3), Deadline);
        handler.Release(3);
        Assert.Equal(HoldingHandler.Farewell, await PoemClient.ReadToCloseAsync(third, deadline.Token));
    }

    [Fact]
    public async Task Each_connection_gets_the_configured_send_buffer_instead_of_the_kernels_self_tuning_one()
    {
        var handler = new HoldingHandler();
        var settings = ListenerSettings.Create("127.0.0.1", 0, ConfigurationFactory.ParseString("poetry.listener.send-buffer = 64k"));
        Assert.Equal(64 * 1024, settings.SendBuffer);
        var address = StartListener(settings, handler);

        using var client = await PoemClient.ConnectAsync(address);
        await AwaitConditionAsync(() => Task.FromResult(handler.Served.Count == 1), Deadline);
        handler.Release(3);

        // Linux doubles the value asked for, for its book-keeping; self-tuned it would be megabytes.
        var buffer = handler.SendBuffers.Single();
        Assert.InRange(buffer, 64 * 1024, 2 * 64 * 1024);
    }

    /// <summary>Holds each connection until the test releases it, then says farewell; records what it saw.</summary>
    private sealed class HoldingHandler : IConnectionHandler
    {
        public static readonly byte[] Farewell = "farewell\n"u8.ToArray();
        private readonly Lock _gate = new();
        private readonly List<TaskCompletionSource> _turns = [];

        public ConcurrentQueue<Socket> Served { get; } = new();

        public ConcurrentQueue<int> SendBuffers { get; } = new();

        /// <summary>Lets the first <paramref name="count"/> connections (in arrival order) say farewell and end.</summary>
        public void Release(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Turn(i).TrySetResult();
            }
        }

        public async ValueTask ServeAsync(Socket connection, CancellationToken cancel)
        {
            var turn = Turn(Served.Count);
            Served.Enqueue(connection);
            SendBuffers.Enqueue(connection.SendBufferSize);
            await turn.Task.WaitAsync(cancel);
            await connection.SendAsync(Farewell, SocketFlags.None, cancel);
        }

        private TaskCompletionSource Turn(int index)
        {
            lock (_gate)
            {
                while (_turns.Count <= index)
                {
                    _turns.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                return _turns[index];
            }
        }
    }
}
