using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using PoetryActors.Instruments;
using PoetryActors.Kinds;
using static PoetryActors.Aggregation.AggregationProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Download;

/// <summary>
/// One download (<c>download-&lt;i&gt;</c>), a worker of the client's aggregator: created with a
/// <see cref="DownloadPoem"/>, it waits for a place in flight when its request has more downloads
/// than <see cref="DownloadSettings.MaxInFlight"/> (Queued), fetches the poem (Fetching), then, when the settings name
/// a transform server, sends it through that server (Transforming), and reports to its parent
/// with <see cref="WorkSucceeded"/> holding its <see cref="PoemOutcome"/>: the poem, or the
/// <see cref="DownloadFailed"/> the fetcher made, passed on as it is. A transform that fails
/// keeps the original poem (the report says why). The socket work is plain async code
/// (<see cref="PoemFetcher"/>, <see cref="TransformClient"/>) piped back as messages; every step
/// is bounded by the settings' limits. The aggregator stops the downloader once it has reported,
/// or earlier when the request no longer wants it, and stopping cancels whatever is in flight, so
/// a downloader never outlives its request.
/// </summary>
internal sealed class DownloaderActor : UntypedActor
{
    private readonly DownloadPoem _request;
    private readonly CancellationTokenSource _cancel = new();
    private readonly Stopwatch _clock = new();

    // Whether this downloader holds a place in flight (only with DownloadPoem.Slots).
    private const int SlotWaiting = 0, SlotHeld = 1, SlotGone = 2;
    private int _slot;

    /// <summary>A downloader for <paramref name="request"/>.</summary>
    public DownloaderActor(DownloadPoem request)
    {
        _request = request;
    }

    /// <summary>The props of a downloader that carries out <paramref name="request"/> as soon as it starts.</summary>
    public static Props Props(DownloadPoem request)
    {
        // A producer that calls the constructor: Props.Create with arguments binds it by reflection
        // for every actor, half the cost of creating one, and a request may create ten thousand.
        return Akka.Actor.Props.CreateBy(new Producer(request));
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (_request.Slots is not { } slots)
        {
            StartFetching();
            return;
        }

        // Queued: wait for a place in flight. The continuation runs off the actor's thread, so
        // whether the place is this downloader's to use or to give back is settled atomically
        // against a stop that comes first.
        Become(Queued);
        var self = Self;
        slots.TakeAsync(_cancel.Token).ContinueWith(taken =>
        {
            if (!taken.IsCompletedSuccessfully)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _slot, SlotHeld, SlotWaiting) == SlotWaiting)
            {
                self.Tell(SlotTaken.Instance);
            }
            else
            {
                slots.Give();
            }
        }, TaskScheduler.Default);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _cancel.Cancel();
        if (Interlocked.Exchange(ref _slot, SlotGone) == SlotHeld)
        {
            _request.Slots!.Give();
        }
    }

    private void Queued(object message)
    {
        switch (message)
        {
            case SlotTaken:
                Become(OnReceive);
                StartFetching();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void StartFetching()
    {
        // Timings and the deadline count from here, not from the wait for a place.
        _clock.Start();
        var (index, address, settings, observer) = _request;
        Action<int>? progress = observer is null
            ? null
            : bytes => observer.Tell(new DownloadProgress(index, address, bytes), ActorRefs.NoSender);
        PoemFetcher.FetchAsync(address, settings.Limits, progress, _cancel.Token)
            .PipeTo(Self, failure: e => new StepCrashed(e));
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case FetchResult.Fetched fetched:
                HandleFetched(fetched);
                break;
            case DownloadFailed failed:
                Fail(failed with { Elapsed = _clock.Elapsed });
                break;
            case StepCrashed crashed:
                Fail(new DownloadFailed(_request.Address, DownloadStep.Downloader, FetchFailure.Other, crashed.Cause.GetBaseException().Message)
                {
                    Elapsed = _clock.Elapsed,
                });
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void HandleFetched(FetchResult.Fetched fetched)
    {
        var settings = _request.Settings;
        if (settings.TransformServer is null && settings.TransformRouter is null)
        {
            Succeed(fetched.Poem, fetched, transform: null, TimeSpan.Zero);
            return;
        }

        // A transform server given by address, or the cluster's providers through the router.
        var server = settings.TransformServer;
        Become(message => Transforming(message, fetched, server));
        var timeLeft = settings.Limits.Deadline - _clock.Elapsed;
        var transform = server is not null
            ? TransformClient.TransformAsync(server, settings.TransformName, fetched.Poem, settings.Limits, timeLeft, _cancel.Token)
            : Cluster.Transforms.ClusterTransforms.TransformAsync(settings.TransformRouter!, settings.TransformName, fetched.Poem, settings.Limits, timeLeft, _cancel.Token);
        transform.PipeTo(Self, failure: e => new StepCrashed(e));
    }

    private void Transforming(object message, FetchResult.Fetched fetched, NetAddress? server)
    {
        var name = _request.Settings.TransformName;
        switch (message)
        {
            case TransformResult.Transformed transformed:
                Succeed(transformed.Poem, fetched, new TransformReport(name, transformed.Server ?? server), transformed.Elapsed);
                break;
            case TransformResult.Failed failed:
                KeepOriginal(fetched, new TransformReport(name, failed.Server ?? server, failed.Reason), failed.Elapsed);
                break;
            case StepCrashed crashed:
                var reason = $"transforming with {(object?)server ?? "the cluster"} failed: {crashed.Cause.GetBaseException().Message}";
                KeepOriginal(fetched, new TransformReport(name, server, reason), _clock.Elapsed - fetched.Elapsed);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void KeepOriginal(FetchResult.Fetched fetched, TransformReport report, TimeSpan transformTime)
    {
        // The requester prints the warning ("Cummingsify failed!"); here it is only a debug trace.
        Context.GetLogger().Debug("transform of the poem from {0} failed, keeping the original: {1}", _request.Address, report.FailureReason);
        Succeed(fetched.Poem, fetched, report, transformTime);
    }

    private void Succeed(byte[] poem, FetchResult.Fetched fetched, TransformReport? transform, TimeSpan transformTime)
    {
        var timings = new DownloadTimings(fetched.Elapsed, transformTime, _clock.Elapsed);
        DownloadInstruments.Downloaded();
        Context.Parent.Tell(new WorkSucceeded(new PoemOutcome.Downloaded(_request.Index, _request.Address, poem, fetched.Poem.Length, transform, timings)));
        Become(Reported);
    }

    private void Fail(DownloadFailed failure)
    {
        DownloadInstruments.Failed(failure.Step.ToString().ToLowerInvariant());
        Context.Parent.Tell(new WorkSucceeded(new PoemOutcome.Failed(_request.Index, failure)));
        Become(Reported);
    }

    // The aggregator stops a downloader once it has reported; nothing more is expected.
    private void Reported(object message) => Unhandled(message);

    private sealed class Producer(DownloadPoem request) : IIndirectActorProducer
    {
        public Type ActorType => typeof(DownloaderActor);

        public ActorBase Produce() => new DownloaderActor(request);

        public void Release(ActorBase actor)
        {
        }
    }

    /// <summary>A place in flight is this downloader's now.</summary>
    private sealed record SlotTaken : INoSerializationVerificationNeeded
    {
        public static readonly SlotTaken Instance = new();
    }

    /// <summary>A step's task threw (a bug, or the cancellation of a stopped downloader, whose message then goes nowhere quietly).</summary>
    private sealed record StepCrashed(Exception Cause) : IDeadLetterSuppression;
}
