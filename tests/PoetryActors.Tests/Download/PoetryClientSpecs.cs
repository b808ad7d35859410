using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Download;
using PoetryActors.Hosting;
using PoetryActors.Kinds;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Tests.Download;

public sealed class PoetryClientSpecs(ITestOutputHelper output) : DownloadSpec(output)
{
    private static byte[] PoemNumber(int n) => Encoding.UTF8.GetBytes($"poem number {n}\n");

    [Fact]
    public async Task Outcomes_come_back_in_request_order_whatever_order_the_poems_arrive_in()
    {
        var gates = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var servers = new List<ScriptedUpstream>();
        try
        {
            for (var n = 0; n < 3; n++)
            {
                var server = ScriptedUpstream.Start();
                server.Behaviour = server.Gated(gates[n].Task, PoemNumber(n));
                servers.Add(server);
            }

            var settled = new BlockingCollection<int>();
            var fetch = PoetryClient.AllSettledAsync(
                Sys, servers.Select(s => s.Address), new DownloadOptions { Settings = Patient, OnSettled = o => settled.Add(o.Index) });

            // The last poem arrives first, the first one last.
            foreach (var n in new[] { 2, 1, 0 })
            {
                gates[n].SetResult();
                Assert.True(settled.TryTake(out var index, Limit), $"poem {n} did not settle");
                Assert.Equal(n, index);
            }

            var outcomes = await fetch.WaitAsync(Limit);

            Assert.Equal([0, 1, 2], outcomes.Select(o => o.Index));
            for (var n = 0; n < 3; n++)
            {
                Assert.Equal(PoemNumber(n), PoemOf(outcomes[n]).Poem);
                Assert.Equal(servers[n].Address, outcomes[n].Address);
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Successes_and_failures_mix_and_each_failure_says_which_address_which_step_and_what_happened()
    {
        await using var good = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var reset = ScriptedUpstream.Start(ScriptedUpstream.ResetsAfter(Poem[..5]));
        await using var silent = ScriptedUpstream.Start();
        await using var huge = ScriptedUpstream.Start(ScriptedUpstream.Serves(new byte[2048]));
        var refused = ScriptedUpstream.Refusing();

        var outcomes = await PoetryClient.AllSettledAsync(
            Sys, [good.Address, refused, reset.Address, silent.Address, huge.Address], new DownloadOptions { Settings = Quick }).WaitAsync(Limit);

        Assert.Equal(Poem, PoemOf(outcomes[0]).Poem);
        Assert.Equal($"connecting to {refused} failed: connection refused", FailureOf(outcomes[1]).Reason);
        Assert.StartsWith($"reading from {reset.Address} failed: connection reset", FailureOf(outcomes[2]).Reason);
        Assert.Equal($"reading from {silent.Address} failed: timed out: no data for 0.5 s after 0 bytes", FailureOf(outcomes[3]).Reason);
        Assert.Equal($"reading from {huge.Address} failed: the poem is larger than 1024 bytes", FailureOf(outcomes[4]).Reason);
        Assert.Equal([true, false, false, false, false], outcomes.Select(o => o.Succeeded));
    }

    [Fact]
    public async Task The_same_server_may_be_asked_many_times_at_once()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));

        var outcomes = await PoetryClient.AllSettledAsync(Sys, Enumerable.Repeat(server.Address, 50), new DownloadOptions { Settings = Patient })
            .WaitAsync(Limit);

        Assert.Equal(50, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(Poem, PoemOf(o).Poem));
        Assert.Equal(50, server.Connections);
    }

    [Fact]
    public async Task A_downloader_that_dies_without_answering_is_a_failed_outcome_not_a_hang()
    {
        await using var good = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        await using var silent = ScriptedUpstream.Start();
        var downloads = PoetryDownloads.Create(Sys);

        var fetch = PoetryClient.AllSettledAsync(downloads, [good.Address, silent.Address], new DownloadOptions { Settings = Patient });
        await silent.WaitForConnectionAsync(Limit);
        var victim = await Sys.ActorSelection("/user/downloads/aggregator-1/download-1").ResolveOne(Limit);
        victim.Tell(PoisonPill.Instance);
        var outcomes = await fetch.WaitAsync(Limit);

        Assert.Equal(Poem, PoemOf(outcomes[0]).Poem);
        var failed = FailureOf(outcomes[1]);
        Assert.Equal(DownloadStep.Downloader, failed.Step);
        Assert.Equal($"downloading from {silent.Address} failed: worker download-1 stopped without answering", failed.Reason);
        Assert.True(await silent.WaitForPeerCloseAsync(Limit), "the dead downloader's connection was not closed");
    }

    [Fact]
    public async Task A_downloader_that_crashes_is_a_failed_outcome_saying_so()
    {
        await using var silent = ScriptedUpstream.Start();
        var downloads = PoetryDownloads.Create(Sys);

        var fetch = PoetryClient.AllSettledAsync(downloads, [silent.Address], new DownloadOptions { Settings = Patient });
        await silent.WaitForConnectionAsync(Limit);
        (await Sys.ActorSelection("/user/downloads/aggregator-1/download-0").ResolveOne(Limit)).Tell(Kill.Instance);
        var outcomes = await fetch.WaitAsync(Limit);

        var failed = FailureOf(outcomes[0]);
        Assert.Equal(DownloadStep.Downloader, failed.Step);
        Assert.StartsWith($"downloading from {silent.Address} failed: worker download-0 crashed", failed.Reason);
    }

    [Fact]
    public async Task Under_slash_user_downloads_each_request_gets_an_aggregator_with_a_downloader_per_address()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedUpstream.Start();
        server.Behaviour = server.Gated(gate.Task, Poem);
        var downloads = PoetryDownloads.Create(Sys);

        var fetch = PoetryClient.AllSettledAsync(downloads, [server.Address, server.Address], new DownloadOptions { Settings = Patient });
        await server.WaitForConnectionAsync(Limit);
        await server.WaitForConnectionAsync(Limit);
        var first = await Sys.ActorSelection("/user/downloads/aggregator-1/download-0").ResolveOne(Limit);
        var second = await Sys.ActorSelection("/user/downloads/aggregator-1/download-1").ResolveOne(Limit);
        Watch(first);
        Watch(second);
        gate.SetResult();
        var outcomes = await fetch.WaitAsync(Limit);

        Assert.All(outcomes, o => Assert.Equal(Poem, PoemOf(o).Poem));
        // The downloaders do not outlive the request.
        var stopped = new[] { ExpectMsg<Terminated>(Limit).ActorRef, ExpectMsg<Terminated>(Limit).ActorRef };
        Assert.Equal(new HashSet<IActorRef> { first, second }, stopped.ToHashSet());
    }

    [Fact]
    public async Task An_empty_request_completes_at_once_with_no_outcomes()
    {
        var outcomes = await PoetryClient.AllSettledAsync(Sys, Array.Empty<NetAddress>()).WaitAsync(Limit);

        Assert.Empty(outcomes);
    }

    [Fact]
    public async Task Cancelling_the_request_cancels_the_task_and_closes_every_connection()
    {
        await using var silent = ScriptedUpstream.Start();
        using var cancel = new CancellationTokenSource();

        var fetch = PoetryClient.AllSettledAsync(Sys, [silent.Address], new DownloadOptions { Settings = Patient }, cancel.Token);
        await silent.WaitForConnectionAsync(Limit);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch.WaitAsync(Limit));
        Assert.True(await silent.WaitForPeerCloseAsync(Limit), "the cancelled download's connection was not closed");
    }

    [Fact]
    public async Task Every_callback_has_run_by_the_time_the_outcomes_are_returned()
    {
        await using var slow = ScriptedUpstream.Start(DownloaderActorSpecs.DribblesPoem(Poem));
        await using var fast = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        var progress = new ConcurrentDictionary<int, int>();
        var settled = new ConcurrentQueue<PoemOutcome>();
        var options = new DownloadOptions
        {
            Settings = Patient,
            OnProgress = p => progress.AddOrUpdate(p.Index, p.Bytes, (_, before) => Math.Max(before, p.Bytes)),
            OnSettled = settled.Enqueue,
        };

        var outcomes = await PoetryClient.AllSettledAsync(Sys, [slow.Address, fast.Address, ScriptedUpstream.Refusing()], options).WaitAsync(Limit);

        Assert.Equal(3, settled.Count);
        Assert.Equal(outcomes.OrderBy(o => o.Index), settled.OrderBy(o => o.Index));
        // Each outcome is built once: the callback saw the very objects the request returns.
        Assert.All(settled, o => Assert.Same(outcomes[o.Index], o));
        Assert.Equal(Poem.Length, progress[0]);
        Assert.Equal(Poem.Length, progress[1]);
        Assert.False(progress.ContainsKey(2));
    }

    [Fact]
    public async Task A_callback_that_throws_does_not_stop_the_others()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        var calls = 0;
        var options = new DownloadOptions
        {
            Settings = Patient,
            OnSettled = _ =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("a broken callback");
            },
        };

        var outcomes = await PoetryClient.AllSettledAsync(Sys, [server.Address, server.Address], options).WaitAsync(Limit);

        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Without_settings_the_actor_systems_poetry_download_configuration_applies()
    {
        await using var server = ScriptedUpstream.Start(ScriptedUpstream.Serves(Poem));
        var xform = ScriptedUpstream.Refusing();
        var config = ConfigurationFactory.ParseString($"poetry.download {{ max-poem-bytes = 10, xform = \"{xform}\" }}");
        using var system = ActorSystem.Create("configured", config);

        var outcomes = await PoetryClient.AllSettledAsync(system, [server.Address]).WaitAsync(Limit);

        Assert.Equal($"reading from {server.Address} failed: the poem is larger than 10 bytes", FailureOf(outcomes[0]).Reason);
        await system.Terminate().WaitAsync(Limit);
    }

    [Fact]
    public async Task Poems_fetched_through_a_transform_server_come_back_transformed_in_request_order()
    {
        await using var first = ScriptedUpstream.Start(ScriptedUpstream.Serves("FIRST POEM\n"u8.ToArray()));
        await using var second = ScriptedUpstream.Start(ScriptedUpstream.Serves("SECOND POEM\n"u8.ToArray()));
        await using var xform = ScriptedUpstream.Start(TransformBehaviours.Answers());

        var outcomes = await PoetryClient.AllSettledAsync(
            Sys, [first.Address, second.Address], new DownloadOptions { Settings = Patient with { TransformServer = xform.Address } }).WaitAsync(Limit);

        Assert.Equal(["first poem\n", "second poem\n"], outcomes.Select(o => Encoding.UTF8.GetString(PoemOf(o).Poem)));
    }
}
