using System.Net.Sockets;
using System.Text;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using PoetryActors.Tests.Support;
using PoetryActors.Transform;
using Xunit;

namespace PoetryActors.Tests.Transform;

/// <summary>
/// A flood of half-sent transform requests cannot grow the server past its memory budget: a
/// request that would need more is reset at once and logged, whole requests are still answered,
/// and the budget is whole again once the flood has gone.
/// </summary>
public sealed class TransformMemoryBudgetSpecs() : TestKit(Config)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.listener.drain-timeout = 1s
        poetry.transform.memory-budget = 1m
        """;

    private const int Attackers = 40;

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(30));

    private Task<RunningKind> StartAsync() =>
        RunningKind.StartAsync(Sys, TransformKind.Kind, new Dictionary<string, string>
        {
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["idle-timeout"] = "30s",
        }, Deadline);

    /// <summary><c>99999:shout.</c> and 60,000 bytes of the poem, never finished: about 64 KiB held by the server.</summary>
    private static byte[] HalfARequest() => [.. Encoding.ASCII.GetBytes("99999:shout."), .. Enumerable.Repeat((byte)'a', 60_000)];

    [Fact]
    public void The_budget_comes_from_reference_conf_and_nonsense_is_refused()
    {
        Assert.Equal(64L * 1024 * 1024, TransformServerSettings.Create().MemoryBudget);
        Assert.Equal(1024L * 1024, TransformServerSettings.Create(ConfigurationFactory.ParseString("poetry.transform.memory-budget = 1m")).MemoryBudget);
        var zero = Assert.Throws<ConfigurationException>(() => TransformServerSettings.Create(ConfigurationFactory.ParseString("poetry.transform.memory-budget = 0")));
        Assert.Contains("poetry.transform.memory-budget", zero.Message);
    }

    [Fact]
    public async Task Half_sent_requests_past_the_budget_are_reset_while_whole_requests_are_still_answered()
    {
        await using var server = await StartAsync();
        var attackers = new List<Socket>();
        try
        {
            var outcomes = new List<Task<NetstringExchange.Outcome>>();
            using var reading = new CancellationTokenSource(Deadline);
            await EventFilter.Warning(contains: "the memory budget of 1,048,576 bytes (poetry.transform.memory-budget) is held by requests in flight")
                .ExpectOneAsync(Deadline, async () =>
                {
                    for (var i = 0; i < Attackers; i++)
                    {
                        var attacker = await NetstringExchange.ConnectAsync(server.Address);
                        attackers.Add(attacker);
                        await attacker.SendAsync(HalfARequest(), SocketFlags.None);
                        outcomes.Add(NetstringExchange.ReadToEndAsync(attacker, reading.Token));
                    }
                    // At about 64 KiB each, at most 16 fit in 1 MiB: the others are reset.
                    await AwaitConditionAsync(() => Task.FromResult(outcomes.Count(o => o.IsCompletedSuccessfully && o.Result.Reset) >= Attackers - 16), Deadline);
                });

            // The flood does not keep a whole request out.
            var reply = await NetstringExchange.ExchangeAsync(server.Address, "27:cummingsify.HERE IS MY POEM,"u8.ToArray(), Deadline);
            Assert.Equal("15:here is my poem,", Encoding.ASCII.GetString(reply.Received));
            Assert.All(outcomes.Where(o => o.IsCompleted), o => Assert.True(o.Result.Reset && o.Result.ClosedWithNothing));

            // Once the attackers leave, the budget is free again: a large honest request, sent in
            // two halves, is held and answered.
            foreach (var attacker in attackers)
            {
                attacker.LingerState = new LingerOption(true, 0);
                attacker.Dispose();
            }
            await AwaitAssertAsync(async () =>
            {
                using var honest = await NetstringExchange.ConnectAsync(server.Address);
                var poem = new string('A', 90_000);
                var request = NetstringExchange.Request("cummingsify", poem);
                await honest.SendAsync(request.AsMemory(0, 50_000), SocketFlags.None);
                await Task.Delay(50);
                var outcome = await NetstringExchange.ExchangeAsync(honest, request.AsMemory(50_000), Deadline);
                Assert.Equal(poem.ToLowerInvariant(), Encoding.ASCII.GetString(NetstringExchange.SingleNetstring(outcome)));
            }, Deadline, TimeSpan.FromMilliseconds(200));
        }
        finally
        {
            foreach (var attacker in attackers)
            {
                attacker.Dispose();
            }
        }
    }
}
