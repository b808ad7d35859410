using Akka.Event;
using Akka.TestKit.Xunit2;
using PoetryActors.Listening;
using Xunit;

namespace PoetryActors.Tests.Listening;

/// <summary>A flood of one kind of warning is logged once and then summed up, not written line by line.</summary>
public sealed class RepeatedWarningsSpecs() : TestKit("akka.loglevel = INFO")
{
    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(20));

    [Fact]
    public void A_flood_of_one_kind_is_logged_once_then_summed_up_when_its_window_closes()
    {
        // A window long enough that the whole flood falls in it even on a machine so busy that this
        // thread waits a second or more between two warnings.
        var warnings = new RepeatedWarnings(Log, TimeSpan.FromSeconds(5));
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(Warning));

        for (var i = 0; i < 10_000; i++)
        {
            warnings.Warn("bad requests", $"bad request {i}");
        }

        // Every warning of this test, in the order they were written: the first one, then nothing
        // but the one line that sums up the other 9,999 once the window has closed.
        string Next() => probe.ExpectMsg<Warning>(Deadline).Message.ToString()!;
        Assert.Equal("bad request 0", Next());
        Assert.Equal("bad requests: ... and 9,999 more like this in the last 5 s", Next());
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        // The summaries' thread holds its instances weakly: keep this one alive until its summary is in.
        GC.KeepAlive(warnings);
    }

    [Fact]
    public async Task Each_kind_has_its_own_window_and_a_warning_after_the_window_is_logged_again()
    {
        var warnings = new RepeatedWarnings(Log, TimeSpan.FromMilliseconds(200));

        await EventFilter.Warning(contains: "first of").ExpectAsync(2, Deadline, () =>
        {
            warnings.Warn("one", "first of one");
            warnings.Warn("two", "first of two");
            return Task.CompletedTask;
        });
        // Past the window (a passage of time is what is under test here, not a condition).
        await Task.Delay(TimeSpan.FromMilliseconds(250));
        await EventFilter.Warning(contains: "again").ExpectOneAsync(Deadline, () =>
        {
            warnings.Warn("one", "one again");
            return Task.CompletedTask;
        });
        GC.KeepAlive(warnings);
    }
}
