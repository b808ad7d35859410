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
/// <see cref="DownloadPoem"/>, or with a Task of one when its address is not known yet (a poem by
/// name waits for the cluster's catalog: Resolving, and a <see cref="DownloadResolution.Unresolved"/>
/// is its failed outcome), it waits for a place in flight when its request has more downloads
/// than <see cref="DownloadSettings.MaxInFlight"/> (Queued), fetches the poem (Fetching), then, when the settings name
/// a transform server, sends it through that server (Transforming), and reports to its parent
/// with <see cref="WorkSucceeded"/> holding its <see cref="PoemOutcome"/>: the poem, or the
/// <see cref="DownloadFailed"/> the fetcher made, passed on as it is. A request that names the
/// poem's SHA-256 and other addresses serving it (<see cref="DownloadPoem.Expected"/>) checks what
/// arrived and, on a failure or a mismatch, fetches from the next address; its failure then names
/// every address tried. A transform that fails keeps the original poem (the report says why).
/// The socket work is plain async code
/// (<see cref="PoemFetcher"/>, <see cref="TransformClient"/>) piped back as messages; every step
/// is bounded by the settings' limits. The aggregator stops the downloader once it has reported,
/// or earlier when the request no longer wants it, and stopping cancels whatever is in flight, so
/// a downloader never outlives its request.
/// </summary>
internal sealed class DownloaderActor : UntypedActor
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly Stopwatch _clock = new();
    private readonly Task<DownloadResolution>? _resolution;
    private readonly List<string> _failures = [];
    private DownloadPoem _request;
    private NetAddress _current = null!;

    // Whether this downloader holds a place in flight (only with DownloadPoem.Slots).
    private const int SlotWaiting = 0, SlotHeld = 1, SlotGone = 2;
    private int _slot;

    /// <summary>A downloader for <paramref name="request"/>.</summary>
    public DownloaderActor(DownloadPoem request)
    {
        _request = request;
    }

    /// <summary>A downloader that first waits for <paramref name="resolution"/>: what to download, or why there is nothing.</summary>
    public DownloaderActor(Task<DownloadResolution> resolution)
    {
        _resolution = resolution;
        _request = null!;
    }

    /// <summary>The props of a downloader that carries out <paramref name="request"/> as soon as it starts.</summary>
    public static Props Props(DownloadPoem request)
    {
        // A producer that calls the constructor: Props.Create with arguments binds it by reflection
        // for every actor, half the cost of creating one, and a request may create ten thousand.
        return Akka.Actor.Props.CreateBy(new Producer(() => new DownloaderActor(request)));
    }

    /// <summary>The props of a downloader that carries out what <paramref name="resolution"/> yields once it completes.</summary>
    public static Props Props(Task<DownloadResolution> resolution) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new DownloaderActor(resolution)));

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (_resolution is null)
        {
            Start();
            return;
        }

        Become(Resolving);
        _resolution.PipeTo(Self, failure: e => new StepCrashed(e));
    }

    private void Resolving(object message)
    {
        switch (message)
        {
            case DownloadResolution.Resolved resolved:
                _request = resolved.Request;
                Become(OnReceive);
                Start();
                break;
            case DownloadResolution.Unresolved unresolved:
                Fail(unresolved.Index, unresolved.Failure);
                break;
            case StepCrashed crashed:
                // A resolution that throws is a bug; its index is unknown here, and the aggregation reports the stop.
                Context.GetLogger().Error(crashed.Cause, "resolving a download failed");
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Start()
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
        FetchFrom(_request.Address);
    }

    private void FetchFrom(NetAddress address)
    {
        _current = address;
        var (index, _, settings, observer) = _request;
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
            case FetchResult.Fetched fetched when _request.Expected is { } expected && PoemDigest.Sha256(fetched.Poem) is var sha256 && sha256 != expected.Sha256:
                TryNext(fetched.Address, $"{fetched.Address} sent {fetched.Poem.Length} bytes whose SHA-256 {sha256[..12]}... is not the catalog's {expected.Sha256[..Math.Min(12, expected.Sha256.Length)]}...");
                break;
            case FetchResult.Fetched fetched:
                HandleFetched(fetched);
                break;
            case DownloadFailed failed when _request.Expected is not null:
                TryNext(failed.Address, failed.Reason);
                break;
            case DownloadFailed failed:
                Fail(failed with { Elapsed = _clock.Elapsed });
                break;
            case StepCrashed crashed when _request.Expected is not null:
                TryNext(_current, $"downloading from {_current} failed: {crashed.Cause.GetBaseException().Message}");
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

    /// <summary>The fetch from <paramref name="address"/> failed or sent the wrong poem: the next address serving it, or the failure naming all.</summary>
    private void TryNext(NetAddress address, string failure)
    {
        _failures.Add(failure);
        var expected = _request.Expected!;
        var tried = _failures.Count - 1;
        if (tried < expected.Fallbacks.Count)
        {
            FetchFrom(expected.Fallbacks[tried]);
            return;
        }

        var detail = _failures.Count == 1
            ? $"the one node serving '{expected.Name}' failed: {failure}"
            : $"every node serving '{expected.Name}' failed: {string.Join("; ", _failures)}";
        Fail(new DownloadFailed(address, DownloadStep.Downloader, FetchFailure.Other, detail) { Elapsed = _clock.Elapsed });
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
        // The address it came from: the request's, or the fallback that answered.
        Context.Parent.Tell(new WorkSucceeded(new PoemOutcome.Downloaded(_request.Index, fetched.Address, poem, fetched.Poem.Length, transform, timings)));
        Become(Reported);
    }

    private void Fail(DownloadFailed failure) => Fail(_request.Index, failure);

    private void Fail(int index, DownloadFailed failure)
    {
        DownloadInstruments.Failed(failure.Step.ToString().ToLowerInvariant());
        Context.Parent.Tell(new WorkSucceeded(new PoemOutcome.Failed(index, failure)));
        Become(Reported);
    }

    // The aggregator stops a downloader once it has reported; nothing more is expected.
    private void Reported(object message) => Unhandled(message);

    private sealed class Producer(Func<DownloaderActor> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(DownloaderActor);

        public ActorBase Produce() => create();

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
    private sealed record StepCrashed(Exception Cause) : IDeadLetterSuppression, INoSerializationVerificationNeeded;
}
