using Akka.TestKit.Xunit2;
using PoetryActors.Listening;
using Xunit;

namespace PoetryActors.Tests.Listening;

/// <summary>A flood of one kind of warning is logged once and then summed up, not written line by line.</summary>
public sealed class RepeatedWarningsSpecs() : TestKit("akka.loglevel = INFO")
{
    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_flood_of_one_kind_is_logged_once_then_summed_up_when_its_window_closes()
    {
        var warnings = new RepeatedWarnings(Log, TimeSpan.FromMilliseconds(300));

        await EventFilter.Warning(contains: "bad request 0").ExpectOneAsync(Deadline, () =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                warnings.Warn("bad requests", $"bad request {i}");
            }

            return Task.CompletedTask;
        });
        // Nothing else was written for the other 9,999 until the window closed; then one line.
        await EventFilter.Warning(message: "bad requests: ... and 9,999 more like this in the last 0.3 s").ExpectOneAsync(Deadline, () => Task.CompletedTask);
        // The summaries' timer holds its instances weakly: keep this one alive until its summary is in.
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
