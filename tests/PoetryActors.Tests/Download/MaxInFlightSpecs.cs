using System.Net.Sockets;
using System.Text;
using Akka.Configuration;
using PoetryActors.Configuration;
using PoetryActors.Download;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace PoetryActors.Tests.Download;

/// <summary>
/// A request of many addresses holds at most max-in-flight sockets at once; the other downloads
/// wait their turn, and every one of them still arrives.
/// </summary>
public sealed class MaxInFlightSpecs(ITestOutputHelper output) : DownloadSpec(output)
{
    private static readonly byte[] Tiger = Encoding.UTF8.GetBytes("Tiger, tiger, burning bright\n");

    [Fact]
    public void The_default_leaves_room_in_the_open_files_limit_for_the_descriptors_the_process_holds_itself()
    {
        var inFlight = DownloadSettings.Create().MaxInFlight;

        if (OpenFileLimit.Current() is { } limit)
        {
            var open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
            Assert.InRange(inFlight, 1, Math.Max(1, limit - open));
        }
        else
        {
            Assert.Equal(1000, inFlight);
        }
        Assert.Equal(7, DownloadSettings.Create(ConfigurationFactory.ParseString("poetry.download.max-in-flight = 7")).MaxInFlight);
        var negative = Assert.Throws<SettingsException>(() => DownloadSettings.Create(ConfigurationFactory.ParseString("poetry.download.max-in-flight = -1")));
        Assert.Contains("poetry.download.max-in-flight", negative.Message);
    }

    [Fact]
    public async Task No_more_than_max_in_flight_downloads_are_connected_at_once_and_every_poem_arrives()
    {
        var open = 0;
        var most = 0;
        await using var server = ScriptedUpstream.Start(async (socket, cancel) =>
        {
            var now = Interlocked.Increment(ref open);
            InterlockedMax(ref most, now);
            try
            {
                // Long enough that, unbounded, all twenty would be connected together.
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancel);
                await socket.SendAsync(Tiger, SocketFlags.None, cancel);
                socket.Shutdown(SocketShutdown.Send);
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        });

        var settings = Patient with { MaxInFlight = 3 };
        var outcomes = await PoetryClient.AllSettledAsync(Sys, Enumerable.Repeat(server.Address, 20), new DownloadOptions { Settings = settings })
            .WaitAsync(Limit);

        Assert.All(outcomes, outcome => Assert.Equal(Tiger, PoemOf(outcome).Poem));
        Assert.InRange(Volatile.Read(ref most), 1, 3);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
