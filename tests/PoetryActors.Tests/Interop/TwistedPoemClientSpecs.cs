using System.Globalization;
using Akka.Actor;
using PoetryActors.Services;
using PoetryActors.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Interop;

/// <summary>
/// Wire compatibility with the original Python programs: a real Twisted client
/// (<c>tests/twisted/fetch_poem.py</c>, a Protocol and ClientFactory that read to the close)
/// fetches poems from our fastpoetry listener and gets them byte for byte.
/// </summary>
public sealed class TwistedPoemClientSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = INFO", output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [TwistedPeer.Fact]
    public async Task A_Twisted_client_gets_every_poem_byte_for_byte_and_sees_a_clean_close()
    {
        var poems = new[] { "ecstasy.txt", "lorelei.txt", "pushkin.txt" };
        var node = Sys.ActorOf(ServiceCollectionActor.Props(
            poems.Select(p => FastPoetry.Spec(Path.GetFileNameWithoutExtension(p), Poems.PathOf(p), 0, Sys.Settings.Config)),
            ServiceCollectionSettings.Create(Sys.Settings.Config)));
        node.Tell(StartService.Instance);
        ExpectMsg<ServiceStarted>(TimeSpan.FromSeconds(10));

        foreach (var poem in poems)
        {
            var address = await FastPoetry.BoundAddressAsync(node, Path.GetFileNameWithoutExtension(poem));

            var outcome = await TwistedPeer.RunAsync("fetch_poem.py",
                [address.Address.ToString(), address.Port.ToString(CultureInfo.InvariantCulture), "10"], Deadline);

            Assert.True(outcome.ExitCode == 0, $"fetch_poem.py exited {outcome.ExitCode}: {outcome.Stderr}");
            Assert.Equal(await File.ReadAllBytesAsync(Poems.PathOf(poem)), outcome.Stdout);
        }

        node.Tell(StopService.Instance);
        ExpectMsg<ServiceStopped>(TimeSpan.FromSeconds(10));
    }

    [TwistedPeer.Fact]
    public async Task The_Twisted_client_reports_a_refused_connection_as_a_failure()
    {
        // A port nothing listens on: bind one, note it, close it.
        var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        var port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        var outcome = await TwistedPeer.RunAsync("fetch_poem.py", ["127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "10"], Deadline);

        Assert.Equal(1, outcome.ExitCode);
        Assert.Empty(outcome.Stdout);
        Assert.Contains("connection failed", outcome.Stderr);
    }
}
