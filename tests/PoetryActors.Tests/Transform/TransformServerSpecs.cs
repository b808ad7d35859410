using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using PoetryActors.Listening;
using PoetryActors.Services;
using PoetryActors.Tests.Support;
using PoetryActors.Transform;
using Xunit;

namespace PoetryActors.Tests.Transform;

/// <summary>
/// The transform server on the wire: the DESIGN examples, a refused request closing with zero
/// bytes and a logged reason, idle and half-sent requests dropped, and one connection's trouble
/// (a throwing transform, garbage, resets) never reaching another.
/// </summary>
public sealed class TransformServerSpecs() : TestKit(Config)
{
    private const string Config = """
        akka.loglevel = INFO
        poetry.listener.drain-timeout = 1s
        """;

    private TimeSpan Deadline => Dilated(TimeSpan.FromSeconds(20));

    private Task<RunningKind> StartAsync(string idleTimeout = "10s", string? maxLength = null)
    {
        var options = new Dictionary<string, string>
        {
            ["port"] = "0",
            ["iface"] = "127.0.0.1",
            ["idle-timeout"] = idleTimeout,
        };
        if (maxLength is not null)
        {
            options["max-length"] = maxLength;
        }

        return RunningKind.StartAsync(Sys, TransformKind.Kind, options, Deadline);
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>The warning a refused request logs, naming the peer as the server sees it.</summary>
    private static string Refusal(Socket client, string reason) =>
        $"transform request from {client.LocalEndPoint} refused: {reason}";

    /// <summary>
    /// Sends <paramref name="request"/> and expects the server to end the connection without a
    /// byte and to log exactly one refusal for this peer containing <paramref name="reason"/>.
    /// </summary>
    private async Task ExpectRefusedAsync(RunningKind server, byte[] request, string reason)
    {
        using var client = await NetstringExchange.ConnectAsync(server.Address);
        var outcome = await EventFilter.Warning(contains: Refusal(client, reason))
            .ExpectOneAsync(Deadline, () => NetstringExchange.ExchangeAsync(client, request, Deadline));
        Assert.True(outcome.ClosedWithNothing, $"the server sent {outcome.Received.Length} bytes: {Text(outcome.Received)}");
    }

    [Fact]
    public async Task The_design_example_is_answered_with_the_design_example_reply()
    {
        await using var server = await StartAsync();

        var outcome = await NetstringExchange.ExchangeAsync(server.Address, Ascii("27:cummingsify.HERE IS MY POEM,"), Deadline);

        Assert.False(outcome.Reset);
        Assert.Equal("15:here is my poem,", Text(outcome.Received));
    }

    [Fact]
    public async Task An_empty_poem_is_answered_with_an_empty_netstring()
    {
        await using var server = await StartAsync();

        var outcome = await NetstringExchange.ExchangeAsync(server.Address, Ascii("12:cummingsify.,"), Deadline);

        Assert.False(outcome.Reset);
        Assert.Equal("0:,", Text(outcome.Received));
    }

    [Fact]
    public async Task A_request_split_into_many_tiny_writes_is_answered()
    {
        await using var server = await StartAsync();
        var poem = "O ROSE, THOU ART SICK!\nThe invisible worm\nThat flies in the night,\n";
        using var client = await NetstringExchange.ConnectAsync(server.Address);

        var outcome = await NetstringExchange.ExchangeAsync(client, NetstringExchange.Request("cummingsify", poem), Deadline, writeSize: 1);

        Assert.Equal(poem.ToLowerInvariant(), Text(NetstringExchange.SingleNetstring(outcome)));
    }

    [Fact]
    public async Task A_unicode_poem_is_lowercased_in_any_script()
    {
        await using var server = await StartAsync();

        var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Encoding.UTF8.GetBytes("ICH WEISS NICHT, ÄÖÜ — Я ВАС ЛЮБИЛ — ΦΩΣ"), Deadline);

        Assert.Equal("ich weiss nicht, äöü — я вас любил — φως", Text(reply));
    }

    [Fact]
    public async Task An_unknown_transform_closes_with_zero_bytes_and_logs_the_name_with_the_peer()
    {
        await using var server = await StartAsync();

        await ExpectRefusedAsync(server, NetstringExchange.Request("nope", "A POEM"), "unknown transform 'nope'");
    }

    [Fact]
    public async Task A_request_without_a_dot_closes_with_zero_bytes_and_logs_why()
    {
        await using var server = await StartAsync();

        await ExpectRefusedAsync(server, Ascii("11:cummingsify,"), "request has no '.' between transform name and poem");
    }

    [Theory]
    [InlineData("27;cummingsify.HERE IS MY POEM,", "expected ':' after the length 27 but got 0x3B (';')")]
    [InlineData("x:cummingsify.,", "non-digit byte 0x78 ('x') in netstring length")]
    [InlineData(":cummingsify.,", "netstring length is empty")]
    [InlineData("12:cummingsify.!", "expected ',' after 12 payload bytes but got 0x21 ('!')")]
    public async Task Bad_framing_closes_with_zero_bytes_and_logs_why(string request, string reason)
    {
        await using var server = await StartAsync();

        await ExpectRefusedAsync(server, Ascii(request), reason);
    }

    [Fact]
    public async Task A_length_with_a_leading_zero_closes_with_zero_bytes_and_logs_why()
    {
        await using var server = await StartAsync();

        await ExpectRefusedAsync(server, Ascii("012:cummingsify.,"), "leading zero in netstring length");
    }

    [Fact]
    public async Task A_request_longer_than_max_length_closes_with_zero_bytes_and_logs_why()
    {
        await using var server = await StartAsync(maxLength: "32");

        // 33 bytes of payload: refused as soon as the length is read, before any of it arrives.
        await ExpectRefusedAsync(server, NetstringExchange.Request("cummingsify", new string('A', 21)),
            "netstring length 33 exceeds the maximum of 32");
    }

    [Fact]
    public async Task A_request_of_exactly_max_length_is_answered()
    {
        await using var server = await StartAsync(maxLength: "32");

        var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii(new string('A', 20)), Deadline);

        Assert.Equal(new string('a', 20), Text(reply));
    }

    [Fact]
    public async Task The_default_max_length_is_the_originals_99999_bytes()
    {
        await using var server = await StartAsync();

        var poem = Ascii(new string('B', 99_999 - "cummingsify.".Length));
        var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", poem, Deadline);
        Assert.Equal(poem.Length, reply.Length);

        await ExpectRefusedAsync(server, NetstringExchange.Request("cummingsify", [.. poem, (byte)'B']),
            "netstring length 100000 exceeds the maximum of 99999");
    }

    [Fact]
    public async Task A_reply_that_would_outgrow_max_length_closes_with_zero_bytes_and_logs_why()
    {
        // U+023A takes two bytes in UTF-8 and its lower case, U+2C65, three: with the 12 bytes of
        // "cummingsify." 13 of them make a 38-byte request, and a 39-byte reply.
        await using var server = await StartAsync(maxLength: "38");
        var poem = new string('\u023A', 13);
        Assert.Equal(39, Encoding.UTF8.GetByteCount(poem.ToLowerInvariant()));

        await ExpectRefusedAsync(server, NetstringExchange.Request("cummingsify", poem),
            "transform 'cummingsify' made a reply of 39 bytes, more than the maximum of 38");
    }

    [Fact]
    public async Task A_poem_of_invalid_utf8_closes_with_zero_bytes_and_logs_where()
    {
        await using var server = await StartAsync();

        await ExpectRefusedAsync(server, NetstringExchange.Request("cummingsify", [.. Ascii("ABC"), 0xFF, .. Ascii("DEF")]),
            "poem is not valid UTF-8: byte 0xFF at offset 3 of the poem");
    }

    [Fact]
    public async Task A_client_that_sends_nothing_is_dropped_after_the_idle_timeout_while_another_is_served()
    {
        // The listener defers the accept until data arrives, so the kernel holds a silent client
        // for about a second first; the handler's timeout runs from the accept.
        await using var server = await StartAsync(idleTimeout: "300ms");
        using var silent = await NetstringExchange.ConnectAsync(server.Address);
        var connected = Stopwatch.StartNew();

        await EventFilter.Warning(contains: Refusal(silent, "sent no request within 0.3 s")).ExpectOneAsync(Deadline, async () =>
        {
            var dropped = NetstringExchange.ExchangeAsync(silent, ReadOnlyMemory<byte>.Empty, Deadline);
            var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii("MEANWHILE"), Deadline);
            Assert.Equal("meanwhile", Text(reply));
            Assert.True((await dropped).ClosedWithNothing);
            Assert.True(connected.Elapsed >= TimeSpan.FromMilliseconds(300), $"dropped after {connected.ElapsedMilliseconds} ms");
        });
    }

    [Fact]
    public async Task A_client_that_sends_half_a_request_is_dropped_after_the_idle_timeout_while_another_is_served()
    {
        await using var server = await StartAsync(idleTimeout: "300ms");
        using var halfOpen = await NetstringExchange.ConnectAsync(server.Address);
        var connected = Stopwatch.StartNew();

        await EventFilter.Warning(contains: Refusal(halfOpen, "sent only part of a request within 0.3 s")).ExpectOneAsync(Deadline, async () =>
        {
            var dropped = NetstringExchange.ExchangeAsync(halfOpen, Ascii("27:cummingsify.HERE"), Deadline);
            var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii("MEANWHILE"), Deadline);
            Assert.Equal("meanwhile", Text(reply));
            Assert.True((await dropped).ClosedWithNothing);
            Assert.True(connected.Elapsed >= TimeSpan.FromMilliseconds(300), $"dropped after {connected.ElapsedMilliseconds} ms");
        });
    }

    [Fact]
    public async Task A_client_that_trickles_its_request_a_byte_at_a_time_is_dropped_after_the_idle_timeout()
    {
        // Slow-loris: every byte comes well within the timeout, the whole request never does.
        await using var server = await StartAsync(idleTimeout: "300ms");
        using var trickler = await NetstringExchange.ConnectAsync(server.Address);
        using var stop = new CancellationTokenSource(Deadline);

        await EventFilter.Warning(contains: Refusal(trickler, "sent only part of a request within 0.3 s")).ExpectOneAsync(Deadline, async () =>
        {
            var dropped = NetstringExchange.ReadToEndAsync(trickler, stop.Token);
            var trickling = TrickleAsync(trickler, Ascii("99999:cummingsify." + new string('X', 2000)), dropped, stop.Token);
            var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii("MEANWHILE"), Deadline);
            Assert.Equal("meanwhile", Text(reply));
            Assert.True((await dropped).ClosedWithNothing);
            await trickling;
        });
    }

    private static async Task TrickleAsync(Socket socket, byte[] bytes, Task until, CancellationToken cancel)
    {
        try
        {
            foreach (var b in bytes)
            {
                if (until.IsCompleted)
                {
                    return;
                }

                await socket.SendAsync(new[] { b }, SocketFlags.None, cancel);
                // Pacing, not waiting for a condition: a byte every 20 ms.
                await Task.Delay(20, cancel);
            }
        }
        catch (SocketException)
        {
            // Dropped by the server: what the test expects.
        }
    }

    [Fact]
    public async Task A_transform_that_throws_closes_only_its_own_connection()
    {
        var exploding = new PoemTransform("explode", "always throws", _ => throw new InvalidOperationException("the poem caught fire"));
        var registry = new TransformRegistry([exploding, PoemTransforms.Cummingsify]);
        await using var server = await RunningKind.StartAsync(Sys, "xform-explode",
        [
            new ServiceSpec("transforms", TransformServiceActor.Props(registry, 99_999)),
            new ServiceSpec("listener", ListenerActor.Props(ListenerSettings.Create("127.0.0.1", 0),
                TransformKind.FromSibling("transforms", 99_999, TimeSpan.FromSeconds(30)))),
        ], Deadline);

        // One client is half-way through its request when another's transform throws.
        using var inFlight = await NetstringExchange.ConnectAsync(server.Address);
        var request = NetstringExchange.Request("cummingsify", "STILL HERE");
        await inFlight.SendAsync(request.AsMemory(0, 10), SocketFlags.None);

        await ExpectRefusedAsync(server, NetstringExchange.Request("explode", "A POEM"),
            "transform 'explode' threw InvalidOperationException: the poem caught fire");

        var rest = await NetstringExchange.ExchangeAsync(inFlight, request.AsMemory(10), Deadline);
        Assert.Equal("still here", Text(NetstringExchange.SingleNetstring(rest)));
        var later = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii("AND AFTER"), Deadline);
        Assert.Equal("and after", Text(later));
        Assert.Equal(server.Address, await BoundAddressAsync(server));
    }

    [Fact]
    public async Task The_server_survives_a_burst_of_garbage_clients_while_a_well_behaved_client_is_served()
    {
        await using var server = await StartAsync(idleTimeout: "2s");
        var random = new Random(20100101);
        var garbage = Enumerable.Range(0, 500).Select(i =>
        {
            var bytes = new byte[random.Next(1, 600)];
            random.NextBytes(bytes);
            return (Bytes: bytes, Ending: (GarbageEnding)(i % 3));
        }).ToList();

        using var muted = EventFilter.Warning(contains: "refused").Mute();
        using var burstDone = new CancellationTokenSource();
        var wellBehaved = Task.Run(async () =>
        {
            var served = 0;
            do
            {
                var poem = $"WELL BEHAVED {served}";
                var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii(poem), Deadline);
                Assert.Equal(poem.ToLowerInvariant(), Text(reply));
                served++;
            } while (!burstDone.IsCancellationRequested);
            return served;
        });

        using var gate = new SemaphoreSlim(64);
        var connectFailures = 0;
        await Task.WhenAll(garbage.Select(async g =>
        {
            await gate.WaitAsync();
            try
            {
                await SendGarbageAsync(server.Address, g.Bytes, g.Ending);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.TimedOut)
            {
                Interlocked.Increment(ref connectFailures);
            }
            finally
            {
                gate.Release();
            }
        }));
        burstDone.Cancel();

        Assert.True(await wellBehaved >= 1);
        Assert.Equal(0, connectFailures);
        var after = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii("AFTER THE STORM"), Deadline);
        Assert.Equal("after the storm", Text(after));
        Assert.Equal(server.Address, await BoundAddressAsync(server));
    }

    private enum GarbageEnding
    {
        Reset,
        HalfCloseAndRead,
        Close,
    }

    private async Task SendGarbageAsync(IPEndPoint server, byte[] bytes, GarbageEnding ending)
    {
        using var socket = await NetstringExchange.ConnectAsync(server);
        try
        {
            await socket.SendAsync(bytes, SocketFlags.None);
            switch (ending)
            {
                case GarbageEnding.Reset:
                    socket.LingerState = new LingerOption(true, 0);
                    break;
                case GarbageEnding.HalfCloseAndRead:
                    socket.Shutdown(SocketShutdown.Send);
                    using (var timeout = new CancellationTokenSource(Deadline))
                    {
                        await NetstringExchange.ReadToEndAsync(socket, timeout.Token);
                    }

                    break;
                case GarbageEnding.Close:
                    break;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            // The server refused the garbage before it was all sent: just what it should do.
        }
    }

    [Fact]
    public async Task Two_hundred_concurrent_clients_all_get_their_own_poem_back_transformed()
    {
        await using var server = await StartAsync();

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var poem = $"POEM NUMBER {i}\n" + new string('W', i * 10);
            var reply = await NetstringExchange.TransformAsync(server.Address, "cummingsify", Ascii(poem), Deadline);
            return (Expected: poem.ToLowerInvariant(), Actual: Text(reply));
        }));

        Assert.All(replies, r => Assert.Equal(r.Expected, r.Actual));
    }

    private async Task<IPEndPoint> BoundAddressAsync(RunningKind server)
    {
        var listener = await server.ServiceAsync("listener");
        return (await listener.Ask<ListenerProtocol.BoundTo>(ListenerProtocol.GetBoundAddress.Instance, Deadline)).Address;
    }
}
