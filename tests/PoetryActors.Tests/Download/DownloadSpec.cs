using System.Text;
using Akka.Actor;
using PoetryActors.Aggregation;
using PoetryActors.Download;
using PoetryActors.Kinds;
using Xunit;
using Xunit.Abstractions;
using static PoetryActors.Aggregation.AggregationProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Tests.Download;

/// <summary>The TestKit set-up and helpers that the download scenarios share.</summary>
public abstract class DownloadSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Hocon = """
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          actor.debug.unhandled = off
          test.single-expect-default = 10s
        }
        """;

    protected static readonly byte[] Poem = Encoding.UTF8.GetBytes("SINCE FEELING IS FIRST\nWHO PAYS ANY ATTENTION\nTO THE SYNTAX OF THINGS\n");

    /// <summary>A short idle timeout, for the scenarios that expect it to pass; a generous connect timeout and deadline.</summary>
    protected static readonly DownloadSettings Quick = new(new FetchLimits(
        TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), 1024));

    /// <summary>Limits that a busy machine does not reach, for the scenarios that expect a poem.</summary>
    protected static readonly DownloadSettings Patient = Quick with { Limits = Quick.Limits with { IdleTimeout = TimeSpan.FromSeconds(20) } };

    /// <summary>The safety net around anything awaited.</summary>
    protected static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    protected DownloadSpec(ITestOutputHelper output)
        : base(Hocon, output)
    {
    }

    /// <summary>A downloader of <paramref name="address"/> whose parent is <see cref="Akka.TestKit.TestKitBase.TestActor"/>, which receives its report.</summary>
    protected IActorRef Downloader(NetAddress address, DownloadSettings? settings = null, IActorRef? observer = null, int index = 0) =>
        ChildActorOf(DownloaderActor.Props(new DownloadPoem(index, address, settings ?? Patient, observer)), $"download-{index}");

    /// <summary>The poem a downloader reported to its parent, asserting it succeeded.</summary>
    protected PoemOutcome.Downloaded ExpectPoem() =>
        Assert.IsType<PoemOutcome.Downloaded>(ExpectMsg<WorkSucceeded>(Limit).Value);

    /// <summary>The failure a downloader reported to its parent: an answer (its work's value), not a failed work item.</summary>
    protected DownloadFailed ExpectFailure() =>
        Assert.IsType<PoemOutcome.Failed>(ExpectMsg<WorkSucceeded>(Limit).Value).Failure;

    /// <summary>The poem of a downloaded outcome, asserting it succeeded.</summary>
    protected static PoemOutcome.Downloaded PoemOf(PoemOutcome outcome) => Assert.IsType<PoemOutcome.Downloaded>(outcome);

    /// <summary>The failure of an outcome, asserting it failed.</summary>
    protected static DownloadFailed FailureOf(PoemOutcome outcome) => Assert.IsType<PoemOutcome.Failed>(outcome).Failure;
}
