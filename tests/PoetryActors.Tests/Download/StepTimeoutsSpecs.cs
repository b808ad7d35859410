using Microsoft.Extensions.Time.Testing;
using PoetryActors.Download;
using Xunit;

namespace PoetryActors.Tests.Download;

public sealed class StepTimeoutsSpecs
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_step_without_progress_expires_as_a_step()
    {
        using var timeouts = new StepTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), CancellationToken.None);

        await WaitForCancellationAsync(timeouts.Token);

        Assert.Equal(StepTimeouts.Expiry.Step, timeouts.Expired);
        Assert.False(timeouts.DeadlinePassed);
    }

    [Fact]
    public void Progress_restarts_the_step_so_a_slow_but_steady_peer_is_not_cut_off()
    {
        // On a clock of the test's own: the pauses are exactly 100 ms however loaded the machine is.
        var clock = new FakeTimeProvider();
        using var timeouts = new StepTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300), CancellationToken.None, clock);

        // Ten pauses of 100 ms add up to more than the step's 300 ms, but none reaches it.
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            timeouts.Progress();
        }
        Assert.False(timeouts.Token.IsCancellationRequested);

        clock.Advance(TimeSpan.FromMilliseconds(295));
        Assert.False(timeouts.Token.IsCancellationRequested);
        // The step counts whole milliseconds: a few more than 300 since the last progress ends it.
        clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(timeouts.Token.IsCancellationRequested);
        Assert.Equal(StepTimeouts.Expiry.Step, timeouts.Expired);
    }

    [Fact]
    public async Task The_deadline_ends_a_connection_however_steady_its_progress()
    {
        using var timeouts = new StepTimeouts(TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(30), CancellationToken.None);
        using var stop = new CancellationTokenSource(Limit);

        while (!timeouts.Token.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            timeouts.Progress();
            await Task.Delay(20);
        }

        Assert.True(timeouts.DeadlinePassed);
    }

    [Fact]
    public async Task A_shorter_step_started_later_is_enforced()
    {
        using var timeouts = new StepTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), CancellationToken.None);

        timeouts.StartStep(TimeSpan.FromMilliseconds(100));

        await WaitForCancellationAsync(timeouts.Token);
        Assert.Equal(StepTimeouts.Expiry.Step, timeouts.Expired);
    }

    [Fact]
    public void The_callers_cancellation_cancels_the_token_and_is_no_expiry()
    {
        using var caller = new CancellationTokenSource();
        using var timeouts = new StepTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), caller.Token);

        caller.Cancel();

        Assert.True(timeouts.Token.IsCancellationRequested);
        Assert.Equal(StepTimeouts.Expiry.None, timeouts.Expired);
    }

    private static async Task WaitForCancellationAsync(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = token.Register(() => cancelled.TrySetResult());
        await cancelled.Task.WaitAsync(Limit);
    }
}
