using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using PoetryActors.Services;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Services;

/// <summary>
/// Collections and a child that is restarting after a crash, with a real service that holds a
/// port: a removal or a stop during the restart stops the child once its start is done (its port
/// closed), a restart that ends during an add or a removal counts the child as running, and a
/// nested collection gets as long to stop as its children may take, one after another.
/// </summary>
public sealed class ServiceCollectionFaultSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.services {
          start-timeout = 10s
          stop-timeout = 10s
          restart-backoff.min = 50ms
          restart-backoff.max = 10s
          restart-backoff.reset-after = 1h
        }
        """;

    private ServiceCollectionSettings Settings => ServiceCollectionSettings.Create(Sys.Settings.Config);

    /// <summary>A running collection of one port service, "svc", crashed and now restarting: its second start holds, port bound.</summary>
    private (IActorRef Collection, PortServiceControl Control, TestProbe Probe, int RestartPort) RestartingCollection(
        ServiceSpec? other = null, Action? whileStarting = null)
    {
        var probe = CreateTestProbe();
        var control = new PortServiceControl();
        ServiceSpec[] children = other is null ? [new ServiceSpec("svc", PortService.Props(control, probe))] : [new ServiceSpec("svc", PortService.Props(control, probe)), other];
        var collection = Sys.ActorOf(ServiceCollectionActor.Props(children, Settings));
        collection.Tell(StartService.Instance);
        probe.ExpectMsg<PortService.Bound>();
        var svc = probe.LastSender;
        whileStarting?.Invoke();
        ExpectMsg<ServiceStarted>();

        control.Hold(2);
        svc.Tell(PortService.Crash.Instance);
        // The crashed one releases its port as it ends (ServiceActor.PostStop); then the restart binds.
        var restart = (PortService.Bound)probe.FishForMessage(m => m is PortService.Bound, TimeSpan.FromSeconds(10));
        Assert.Equal(2, restart.Start);
        return (collection, control, probe, restart.Port);
    }

    private IReadOnlyList<CurrentStatus> Services(IActorRef collection)
    {
        collection.Tell(GetServices.Instance);
        return ExpectMsg<CurrentServices>().Services;
    }

    [Fact]
    public void Removing_a_child_whose_restart_is_still_starting_stops_it_and_its_port_is_closed()
    {
        var (collection, control, probe, port) = RestartingCollection();

        collection.Tell(new RemoveService("svc"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the removal waits for the start under way
        control.Release(2);

        ExpectMsg(new ServiceRemoved("svc"), TimeSpan.FromSeconds(10));
        probe.FishForMessage(m => m is PortService.Closed c && c.Port == port, TimeSpan.FromSeconds(5));
        Assert.Empty(control.Open);
        Assert.Empty(Services(collection));
    }

    [Fact]
    public void Stopping_a_collection_while_a_child_restarts_stops_the_child_once_started_well_within_the_stop_timeout()
    {
        var (collection, control, probe, port) = RestartingCollection();
        var clock = Stopwatch.StartNew();

        collection.Tell(StopService.Instance);
        control.Release(2);

        ExpectMsg<ServiceStopped>(TimeSpan.FromSeconds(8));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the stop took {clock.Elapsed} (stop-timeout 10 s)");
        probe.FishForMessage(m => m is PortService.Closed c && c.Port == port, TimeSpan.FromSeconds(5));
        Assert.Empty(control.Open);
        Assert.All(Services(collection), s => Assert.False(s.Running));
    }

    [Fact]
    public void A_child_whose_restart_ends_during_an_add_is_marked_running()
    {
        var (collection, control, probe, _) = RestartingCollection();
        var late = CreateTestProbe();

        collection.Tell(new AddService(new ServiceSpec("late", FakeService.Props(late.Ref, FakeMode.Manual))));
        late.ExpectMsg<FakeService.StartRequested>();
        var lateService = late.LastSender;
        control.Release(2); // svc's restart answers while the add waits for "late"
        Thread.Sleep(200);
        lateService.Tell(FakeService.Answer.Instance);

        ExpectMsg(new ServiceAdded("late"));
        Assert.Equal([new CurrentStatus("svc", true), new CurrentStatus("late", true)], Services(collection));
        // Counted as running, svc is stopped with the collection (its port closed), after "late".
        collection.Tell(StopService.Instance);
        late.ExpectMsg<FakeService.StopRequested>();
        lateService.Tell(FakeService.Answer.Instance);
        probe.FishForMessage(m => m is PortService.Closed, TimeSpan.FromSeconds(10));
        ExpectMsg<ServiceStopped>();
        Assert.Empty(control.Open);
    }

    [Fact]
    public void A_child_whose_restart_ends_during_a_removal_is_marked_running()
    {
        var other = CreateTestProbe();
        IActorRef otherService = ActorRefs.Nobody;
        var (collection, control, probe, _) = RestartingCollection(
            new ServiceSpec("other", FakeService.Props(other.Ref, FakeMode.Manual)),
            whileStarting: () =>
            {
                other.ExpectMsg<FakeService.StartRequested>();
                otherService = other.LastSender;
                otherService.Tell(FakeService.Answer.Instance);
            });

        collection.Tell(new RemoveService("other"));
        other.ExpectMsg<FakeService.StopRequested>(TimeSpan.FromSeconds(5));
        control.Release(2);
        Thread.Sleep(200);
        otherService.Tell(FakeService.Answer.Instance);

        ExpectMsg(new ServiceRemoved("other"), TimeSpan.FromSeconds(5));
        Assert.Equal([new CurrentStatus("svc", true)], Services(collection));
        collection.Tell(StopService.Instance);
        probe.FishForMessage(m => m is PortService.Closed, TimeSpan.FromSeconds(10));
        ExpectMsg<ServiceStopped>();
        Assert.Empty(control.Open);
    }

    [Fact]
    public void A_nested_collection_whose_children_drain_for_their_full_time_is_not_cut_off_by_its_parent()
    {
        // Every level has the same 2 s stop timeout; each leaf takes 1.2 s to stop, so the nested
        // collection needs 2.4 s: more than one timeout, within the budget its children add up to.
        var probe = CreateTestProbe();
        var control = new PortServiceControl { StopTakes = TimeSpan.FromMilliseconds(1200) };
        var settings = new ServiceCollectionSettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var nested = ServiceSpec.Collection("nested",
            [new ServiceSpec("a", PortService.Props(control, probe)), new ServiceSpec("b", PortService.Props(control, probe))], settings);
        var parent = Sys.ActorOf(ServiceCollectionActor.Props([nested], settings), "parent");
        parent.Tell(StartService.Instance);
        ExpectMsg<ServiceStarted>(TimeSpan.FromSeconds(10));
        Assert.Equal(2, control.Open.Count);

        // The parent never cuts the nested collection off (a leaf's own cut-off, on a machine so
        // loaded that 1.2 s of work overran 2 s, would be the nested collection's business).
        EventFilter.Warning(contains: "parent/nested did not stop").Expect(0, TimeSpan.FromSeconds(15), () =>
        {
            parent.Tell(StopService.Instance);
            ExpectMsg<ServiceStopped>(TimeSpan.FromSeconds(15));
        });

        Assert.Empty(control.Open);
        Assert.Equal(TimeSpan.FromSeconds(5), nested.StopBudget); // 2 s + 2 s + the collection's 1 s margin
    }
}
