using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PoetryActors.Listening;
using PoetryActors.Services;
using Xunit;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Listening;

/// <summary>
/// How a listener starts: it obtains its connection handler (an Ask of a sibling, usually) in a
/// state of its own, with what else it is told kept for after the start, then binds.
/// </summary>
public sealed class ListenerActorSpecs() : TestKit("akka.loglevel = INFO")
{
    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(10));

    private static ListenerSettings Loopback => ListenerSettings.Create("127.0.0.1", 0);

    [Fact]
    public async Task A_query_sent_while_the_handler_is_awaited_is_answered_after_the_start()
    {
        var handler = new TaskCompletionSource<IConnectionHandler>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = Sys.ActorOf(ListenerActor.Props(Loopback, _ => handler.Task), "listener");

        listener.Tell(StartService.Instance, TestActor);
        listener.Tell(GetStatus.Instance, TestActor);
        handler.SetResult(new Silent());

        await ExpectMsgAsync<ServiceStarted>(Deadline);
        Assert.True((await ExpectMsgAsync<CurrentStatus>(Deadline)).Running);
        var bound = await listener.Ask<ListenerProtocol.BoundTo>(ListenerProtocol.GetBoundAddress.Instance, Deadline);
        Assert.NotEqual(0, bound.Address.Port);
    }

    [Fact]
    public async Task A_handler_that_cannot_be_had_refuses_the_start_with_its_reason_and_a_later_start_asks_again()
    {
        var asked = 0;
        var listener = Sys.ActorOf(ListenerActor.Props(Loopback, _ => ++asked == 1
            ? Task.FromException<IConnectionHandler>(new ServiceStartException("the poem service holds no poem"))
            : Task.FromResult<IConnectionHandler>(new Silent())), "listener");

        listener.Tell(StartService.Instance, TestActor);
        Assert.Equal("the poem service holds no poem", (await ExpectMsgAsync<ServiceStartFailed>(Deadline)).Reason);

        listener.Tell(StartService.Instance, TestActor);
        await ExpectMsgAsync<ServiceStarted>(Deadline);
        Assert.Equal(2, asked);
    }

    private sealed class Silent : IConnectionHandler
    {
        public ValueTask ServeAsync(Socket connection, CancellationToken cancel) => ValueTask.CompletedTask;
    }
}
