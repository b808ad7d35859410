using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using PoetryActors.Services;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Services.ServiceProtocol;
using static PoetryActors.Tests.Services.FakeService;

namespace PoetryActors.Tests.Services;

/// <summary>
/// The service collection as Twisted's <c>MultiService</c>: order of start and stop, add and
/// remove, lookups, start failures and restarts, driven through fake services that report to a
/// probe and answer when told.
/// </summary>
public sealed class ServiceCollectionActorSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.services {
          # Generous, so that a test holding an answer back never races a timeout on a slow machine;
          # the timeout scenarios use short timeouts of their own.
          start-timeout = 10s
          stop-timeout = 10s
          restart-backoff.min = 50ms
          restart-backoff.max = 10s
          restart-backoff.reset-after = 1h
        }
        """;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);

    private ServiceCollectionSettings Settings => ServiceCollectionSettings.Create(Sys.Settings.Config);

    private IActorRef Collection(params ServiceSpec[] children) =>
        Sys.ActorOf(ServiceCollectionActor.Props(children, Settings));

    private static ServiceSpec Fake(string name, TestProbe probe, FakeMode mode = FakeMode.Auto) =>
        new(name, FakeService.Props(probe.Ref, mode));

    /// <summary>Waits for <paramref name="name"/> to be asked to start and returns that service.</summary>
    private static IActorRef ExpectStart(TestProbe probe, string name)
    {
        probe.ExpectMsg<StartRequested>(m => Assert.Equal(name, m.Name));
        return probe.LastSender;
    }

    private static IActorRef ExpectStop(TestProbe probe, string name)
    {
        probe.ExpectMsg<StopRequested>(m => Assert.Equal(name, m.Name));
        return probe.LastSender;
    }

    private void Start(IActorRef collection)
    {
        collection.Tell(StartService.Instance);
        ExpectMsg<ServiceStarted>();
    }

    private IReadOnlyList<CurrentStatus> Services(IActorRef collection)
    {
        collection.Tell(GetServices.Instance);
        return ExpectMsg<CurrentServices>().Services;
    }

    [Fact]
    public void Children_start_in_insertion_order()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("zeta", probe), Fake("alpha", probe), Fake("mid", probe));

        collection.Tell(StartService.Instance);

        ExpectStart(probe, "zeta");
        ExpectStart(probe, "alpha");
        ExpectStart(probe, "mid");
        ExpectMsg<ServiceStarted>();
    }

    [Fact]
    public void The_next_child_is_not_started_before_the_previous_one_answered()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("first", probe, FakeMode.Manual), Fake("second", probe, FakeMode.Manual));

        collection.Tell(StartService.Instance);

        var first = ExpectStart(probe, "first");
        probe.ExpectNoMsg(Quiet);
        first.Tell(Answer.Instance);
        var second = ExpectStart(probe, "second");
        ExpectNoMsg(Quiet);
        second.Tell(Answer.Instance);
        ExpectMsg<ServiceStarted>();
    }

    [Fact]
    public void Children_stop_in_reverse_order_each_stop_awaited()
    {
        var probe = CreateTestProbe();
        var collection = Collection(
            Fake("a", probe, FakeMode.Manual), Fake("b", probe, FakeMode.Manual), Fake("c", probe, FakeMode.Manual));
        collection.Tell(StartService.Instance);
        foreach (var name in new[] { "a", "b", "c" })
        {
            ExpectStart(probe, name).Tell(Answer.Instance);
        }

        ExpectMsg<ServiceStarted>();

        collection.Tell(StopService.Instance);

        foreach (var name in new[] { "c", "b", "a" })
        {
            var child = ExpectStop(probe, name);
            // Nothing else is asked to stop, and the collection does not answer, until this child has.
            probe.ExpectNoMsg(Quiet);
            ExpectNoMsg(TimeSpan.Zero);
            child.Tell(Answer.Instance);
        }
        ExpectMsg<ServiceStopped>();
        Assert.All(Services(collection), s => Assert.False(s.Running));
    }

    [Fact]
    public void A_duplicate_service_name_is_refused()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("ecstasy", probe));

        collection.Tell(new AddService(Fake("ecstasy", probe)));

        var refused = ExpectMsg<AddServiceRefused>();
        Assert.Equal("ecstasy", refused.Name);
        Assert.Contains("a service named 'ecstasy' already exists", refused.Reason);
        Assert.Contains("cannot add service 'ecstasy'", refused.ToString());
        Assert.Equal(["ecstasy"], Services(collection).Select(s => s.Name));
    }

    [Fact]
    public void A_duplicate_service_name_is_refused_while_running_and_the_original_keeps_running()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("ecstasy", probe));
        Start(collection);
        ExpectStart(probe, "ecstasy");

        collection.Tell(new AddService(Fake("ecstasy", probe)));

        ExpectMsg<AddServiceRefused>(r => Assert.Contains("already exists", r.Reason));
        probe.ExpectNoMsg(Quiet);
        Assert.Equal([new CurrentStatus("ecstasy", true)], Services(collection));
    }

    [Fact]
    public void A_child_added_to_a_running_collection_starts_at_once_and_the_add_answers_after_it_started()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("first", probe));
        Start(collection);
        ExpectStart(probe, "first");

        collection.Tell(new AddService(Fake("late", probe, FakeMode.Manual)));

        var late = ExpectStart(probe, "late");
        ExpectNoMsg(Quiet);
        late.Tell(Answer.Instance);
        ExpectMsg(new ServiceAdded("late"));
        Assert.Equal([new CurrentStatus("first", true), new CurrentStatus("late", true)], Services(collection));
    }

    [Fact]
    public void A_child_added_to_a_running_collection_that_cannot_start_is_refused_and_not_kept()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("first", probe));
        Start(collection);
        ExpectStart(probe, "first");

        collection.Tell(new AddService(Fake("broken", probe, FakeMode.FailingStart)));

        ExpectStart(probe, "broken");
        var refused = ExpectMsg<AddServiceRefused>();
        Assert.Equal("broken", refused.Name);
        Assert.Contains(FailureReason, refused.Reason);
        Assert.Equal(["first"], Services(collection).Select(s => s.Name));
    }

    [Fact]
    public void A_child_added_to_a_stopped_collection_does_not_start_until_the_collection_does()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("first", probe));

        collection.Tell(new AddService(Fake("later", probe)));

        ExpectMsg(new ServiceAdded("later"));
        probe.ExpectNoMsg(Quiet);
        Assert.Equal([new CurrentStatus("first", false), new CurrentStatus("later", false)], Services(collection));

        Start(collection);
        ExpectStart(probe, "first");
        ExpectStart(probe, "later");
    }

    [Fact]
    public void Remove_stops_a_running_child_first_and_answers_after_it_stopped()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("keep", probe), Fake("gone", probe, FakeMode.Manual));
        collection.Tell(StartService.Instance);
        ExpectStart(probe, "keep");
        var gone = ExpectStart(probe, "gone");
        gone.Tell(Answer.Instance);
        ExpectMsg<ServiceStarted>();
        Watch(gone);

        collection.Tell(new RemoveService("gone"));

        ExpectStop(probe, "gone");
        ExpectNoMsg(Quiet);
        gone.Tell(Answer.Instance);
        // The answer and the death of the child, in either order.
        var seen = new[] { ExpectMsg<object>(), ExpectMsg<object>() };
        Assert.Contains(new ServiceRemoved("gone"), seen);
        Assert.Contains(seen, m => m is Terminated t && t.ActorRef.Equals(gone));
        probe.ExpectNoMsg(Quiet);
        Assert.Equal([new CurrentStatus("keep", true)], Services(collection));
        collection.Tell(new GetServiceNamed("gone"));
        ExpectMsg(new NoSuchService("gone"));
    }

    [Fact]
    public void Remove_of_a_stopped_child_answers_without_a_stop()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("idle", probe));

        collection.Tell(new RemoveService("idle"));

        ExpectMsg(new ServiceRemoved("idle"));
        probe.ExpectNoMsg(Quiet);
        Assert.Empty(Services(collection));
    }

    [Fact]
    public void Remove_of_a_missing_name_answers_NoSuchService()
    {
        var collection = Collection();

        collection.Tell(new RemoveService("nobody"));

        ExpectMsg(new NoSuchService("nobody"));
    }

    [Fact]
    public void The_same_name_can_be_added_again_after_removal()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("poem", probe));
        Start(collection);
        ExpectStart(probe, "poem");
        collection.Tell(new RemoveService("poem"));
        ExpectStop(probe, "poem");
        ExpectMsg(new ServiceRemoved("poem"));

        collection.Tell(new AddService(Fake("poem", probe)));

        ExpectStart(probe, "poem");
        ExpectMsg(new ServiceAdded("poem"));
        Assert.Equal([new CurrentStatus("poem", true)], Services(collection));
    }

    [Fact]
    public void Lookup_of_a_missing_name_answers_NoSuchService()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("ecstasy", probe));

        collection.Tell(new GetServiceNamed("science"));

        var missing = ExpectMsg<NoSuchService>();
        Assert.Equal("science", missing.Name);
        Assert.Contains("science", missing.ToString());
    }

    [Fact]
    public void Lookup_by_name_answers_the_child_and_its_running_state()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("ecstasy", probe));
        Start(collection);
        var child = ExpectStart(probe, "ecstasy");

        collection.Tell(new GetServiceNamed("ecstasy"));

        ExpectMsg(new CurrentService("ecstasy", child, true));
    }

    [Fact]
    public void GetServices_lists_the_children_in_insertion_order_with_their_running_state()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("zeta", probe), Fake("alpha", probe), Fake("mid", probe));

        Assert.Equal(
            [new CurrentStatus("zeta", false), new CurrentStatus("alpha", false), new CurrentStatus("mid", false)],
            Services(collection));

        Start(collection);

        Assert.Equal(
            [new CurrentStatus("zeta", true), new CurrentStatus("alpha", true), new CurrentStatus("mid", true)],
            Services(collection));
    }

    [Fact]
    public void A_collection_answers_GetStatus_with_its_own_running_state()
    {
        var collection = Sys.ActorOf(ServiceCollectionActor.Props([], Settings), "poems");

        collection.Tell(GetStatus.Instance);
        ExpectMsg(new CurrentStatus("poems", false));
        Start(collection);
        collection.Tell(GetStatus.Instance);
        ExpectMsg(new CurrentStatus("poems", true));
    }

    [Fact]
    public void A_failing_start_names_the_child_and_stops_the_children_already_started_in_reverse()
    {
        var probe = CreateTestProbe();
        var collection = Collection(
            Fake("a", probe), Fake("b", probe), Fake("broken", probe, FakeMode.FailingStart), Fake("never", probe));

        collection.Tell(StartService.Instance);

        ExpectStart(probe, "a");
        ExpectStart(probe, "b");
        ExpectStart(probe, "broken");
        ExpectStop(probe, "b");
        ExpectStop(probe, "a");
        var failed = ExpectMsg<ServiceStartFailed>();
        Assert.Equal("broken", failed.ServicePath);
        Assert.Equal(FailureReason, failed.Reason);
        probe.ExpectNoMsg(Quiet);
        Assert.All(Services(collection), s => Assert.False(s.Running));
    }

    [Fact]
    public void A_failing_start_in_a_nested_collection_names_the_path_to_the_child()
    {
        var probe = CreateTestProbe();
        var collection = Collection(
            Fake("first", probe),
            ServiceSpec.Collection("ecstasy", [Fake("poem", probe), Fake("listener", probe, FakeMode.FailingStart)], Settings));

        collection.Tell(StartService.Instance);

        ExpectStart(probe, "first");
        ExpectStart(probe, "poem");
        ExpectStart(probe, "listener");
        ExpectStop(probe, "poem");
        ExpectStop(probe, "first");
        var failed = ExpectMsg<ServiceStartFailed>();
        Assert.Equal("ecstasy/listener", failed.ServicePath);
        Assert.Equal($"ecstasy/listener: {FailureReason}", failed.ToString());
    }

    [Fact]
    public void A_collection_whose_start_failed_can_be_started_again()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("a", probe), Fake("moody", probe, FakeMode.FailingFirstStart));
        collection.Tell(StartService.Instance);
        ExpectStart(probe, "a");
        ExpectStart(probe, "moody");
        ExpectStop(probe, "a");
        ExpectMsg<ServiceStartFailed>();

        collection.Tell(StartService.Instance);

        ExpectStart(probe, "a");
        ExpectStart(probe, "moody");
        ExpectMsg<ServiceStarted>();
        Assert.All(Services(collection), s => Assert.True(s.Running));
    }

    [Fact]
    public void A_child_that_never_answers_start_fails_the_start_after_the_start_timeout()
    {
        var probe = CreateTestProbe();
        var settings = new ServiceCollectionSettings(TimeSpan.FromMilliseconds(300), Settings.StopTimeout, Settings.MinBackoff, Settings.MaxBackoff, Settings.ResetBackoffAfter);
        var collection = Sys.ActorOf(ServiceCollectionActor.Props([Fake("a", probe), Fake("silent", probe, FakeMode.Manual)], settings));
        var clock = Stopwatch.StartNew();

        collection.Tell(StartService.Instance);

        ExpectStart(probe, "a");
        ExpectStart(probe, "silent");
        ExpectStop(probe, "a");
        var failed = ExpectMsg<ServiceStartFailed>(TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"failed after {clock.Elapsed}, before the start timeout");
        Assert.Equal("silent", failed.ServicePath);
        Assert.Contains("did not start within 0.3 s", failed.Reason);
    }

    [Fact]
    public void A_running_service_that_crashes_is_restarted_with_a_growing_backoff_while_its_siblings_keep_serving()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("flaky", probe), Fake("steady", probe));
        Start(collection);
        var flaky = ExpectStart(probe, "flaky");
        var steady = ExpectStart(probe, "steady");

        var delays = new List<TimeSpan>();
        for (var crash = 0; crash < 3; crash++)
        {
            var clock = Stopwatch.StartNew();
            flaky.Tell(Crash.Instance);
            // The next thing any service is asked is flaky's restart: steady is never stopped.
            flaky = ExpectStart(probe, "flaky");
            delays.Add(clock.Elapsed);
            AwaitAssert(() => Assert.Equal(
                [new CurrentStatus("flaky", true), new CurrentStatus("steady", true)], Services(collection)));
        }

        // min 50ms, doubling: each restart waits at least its back-off (only lower bounds, so a slow machine cannot fail this).
        Assert.True(delays[0] >= TimeSpan.FromMilliseconds(40), $"first restart after {delays[0]}");
        Assert.True(delays[1] >= TimeSpan.FromMilliseconds(90), $"second restart after {delays[1]}");
        Assert.True(delays[2] >= TimeSpan.FromMilliseconds(190), $"third restart after {delays[2]}");
        steady.Tell(GetStatus.Instance);
        ExpectMsg(new CurrentStatus("steady", true));
        probe.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_crashed_service_waiting_for_its_backoff_shows_as_not_running_and_is_not_stopped_again()
    {
        var probe = CreateTestProbe();
        var slow = new ServiceCollectionSettings(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        var collection = Sys.ActorOf(ServiceCollectionActor.Props([Fake("flaky", probe), Fake("steady", probe)], slow));
        Start(collection);
        var flaky = ExpectStart(probe, "flaky");
        ExpectStart(probe, "steady");

        flaky.Tell(Crash.Instance);

        AwaitAssert(() =>
        {
            collection.Tell(new GetServiceNamed("flaky"));
            var current = ExpectMsg<CurrentService>();
            Assert.False(current.Running);
            Assert.True(current.Service.IsNobody());
        });
        Assert.Equal([new CurrentStatus("flaky", false), new CurrentStatus("steady", true)], Services(collection));

        collection.Tell(StopService.Instance);
        ExpectStop(probe, "steady");
        ExpectMsg<ServiceStopped>();
        probe.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_service_that_crashes_while_the_collection_stops_is_not_started_again_behind_its_back()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("flaky", probe), Fake("last", probe, FakeMode.Manual));
        collection.Tell(StartService.Instance);
        var flaky = ExpectStart(probe, "flaky");
        var last = ExpectStart(probe, "last");
        last.Tell(Answer.Instance);
        ExpectMsg<ServiceStarted>();

        collection.Tell(StopService.Instance);
        ExpectStop(probe, "last");
        // While "last" holds the stop up, "flaky" crashes; its back-off (50 ms) runs out before the stop ends.
        Watch(flaky);
        flaky.Tell(Crash.Instance);
        ExpectTerminated(flaky);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        last.Tell(Answer.Instance);

        ExpectMsg<ServiceStopped>();
        probe.ExpectNoMsg(Quiet);
        Assert.All(Services(collection), s => Assert.False(s.Running));
    }

    [Fact]
    public void A_restart_still_starting_when_the_collection_stops_is_stopped_too()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("flaky", probe, FakeMode.Manual), Fake("last", probe));
        collection.Tell(StartService.Instance);
        var flaky = ExpectStart(probe, "flaky");
        flaky.Tell(Answer.Instance);
        ExpectStart(probe, "last");
        ExpectMsg<ServiceStarted>();
        flaky.Tell(Crash.Instance);
        // The restart after the back-off, which this fake leaves unanswered: it is under way when the stop comes.
        ExpectStart(probe, "flaky");

        collection.Tell(StopService.Instance);

        ExpectStop(probe, "last");
        ExpectStop(probe, "flaky").Tell(Answer.Instance);
        ExpectMsg<ServiceStopped>();
        Assert.All(Services(collection), s => Assert.False(s.Running));
    }

    [Fact]
    public void A_stopped_collection_starts_its_children_again_after_a_restart_of_one_of_them()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("flaky", probe));
        Start(collection);
        var flaky = ExpectStart(probe, "flaky");
        flaky.Tell(Crash.Instance);
        ExpectStart(probe, "flaky");
        AwaitAssert(() => Assert.True(Services(collection).Single().Running));

        collection.Tell(StopService.Instance);
        ExpectStop(probe, "flaky");
        ExpectMsg<ServiceStopped>();
        Start(collection);
        ExpectStart(probe, "flaky");
    }

    [Fact]
    public void Starting_a_running_collection_answers_at_once_without_starting_children_again()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("a", probe));
        Start(collection);
        ExpectStart(probe, "a");

        collection.Tell(StartService.Instance);

        ExpectMsg<ServiceStarted>();
        probe.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Stopping_a_stopped_collection_answers_at_once_without_stopping_children()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("a", probe));

        collection.Tell(StopService.Instance);

        ExpectMsg<ServiceStopped>();
        probe.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void An_empty_collection_starts_and_stops()
    {
        var collection = Sys.ActorOf(ServiceCollectionActor.Props([], Settings), "empty");

        collection.Tell(StartService.Instance);
        ExpectMsg(new ServiceStarted("empty"));
        collection.Tell(StopService.Instance);
        ExpectMsg(new ServiceStopped("empty"));
    }

    [Fact]
    public void Requests_made_during_a_start_wait_for_it_and_are_then_answered_in_order()
    {
        var probe = CreateTestProbe();
        var collection = Collection(Fake("slow", probe, FakeMode.Manual));
        collection.Tell(StartService.Instance);
        var slow = ExpectStart(probe, "slow");

        collection.Tell(new AddService(Fake("added", probe)));
        collection.Tell(StopService.Instance);
        ExpectNoMsg(Quiet);
        slow.Tell(Answer.Instance);

        ExpectMsg<ServiceStarted>();
        ExpectStart(probe, "added");
        ExpectMsg(new ServiceAdded("added"));
        ExpectStop(probe, "added");
        ExpectStop(probe, "slow").Tell(Answer.Instance);
        ExpectMsg<ServiceStopped>();
    }
}
