using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using PoetryActors.Aggregation;
using PoetryActors.Download;
using PoetryActors.Kinds;
using static PoetryActors.Aggregation.AggregationProtocol;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// One download of a poem by name (<c>download-&lt;i&gt;</c>), a worker of the client's aggregator
/// like <see cref="DownloaderActor"/>: it fetches the poem from the first of the nodes the catalog
/// says serve it (Fetching), checks what arrived against the catalog's SHA-256, and on a failure
/// or a mismatch tries the next node; then, when the settings name a transform server, sends the
/// poem through it (Transforming; a failed transform keeps the original poem). It reports to its
/// parent with <see cref="WorkSucceeded"/> holding its <see cref="PoemOutcome"/>: the poem, or a
/// <see cref="DownloadFailed"/> that names every node tried.
/// </summary>
internal sealed class NamedPoemDownloaderActor : UntypedActor
{
    private readonly NamedPoemRequest _request;
    private readonly CancellationTokenSource _cancel = new();
    private readonly Stopwatch _clock = new();
    private readonly List<string> _failures = [];

    /// <summary>A downloader for <paramref name="request"/>.</summary>
    public NamedPoemDownloaderActor(NamedPoemRequest request)
    {
        _request = request;
    }

    /// <summary>The props of a downloader that carries out <paramref name="request"/> as soon as it starts.</summary>
    public static Props Props(NamedPoemRequest request) =>
        // A producer, as DownloaderActor has: Props.Create with an expression compiles it again for
        // every actor, and a request may hold thousands of names.
        Akka.Actor.Props.CreateBy(new Producer(request));

    /// <inheritdoc />
    protected override void PreStart()
    {
        _clock.Start();
        FetchFrom(0);
    }

    /// <inheritdoc />
    protected override void PostStop() => _cancel.Cancel();

    /// <inheritdoc />
    protected override void OnReceive(object message) => Unhandled(message);

    private void FetchFrom(int candidate)
    {
        var address = _request.Candidates[candidate];
        Become(message => Fetching(message, candidate));
        var (index, settings, observer) = (_request.Index, _request.Settings, _request.ProgressObserver);
        Action<int>? progress = observer is null ? null : bytes => observer.Tell(new DownloadProgress(index, address, bytes), ActorRefs.NoSender);
        PoemFetcher.FetchAsync(address, settings.Limits, progress, _cancel.Token).PipeTo(Self, failure: e => new StepCrashed(e));
    }

    private void Fetching(object message, int candidate)
    {
        var address = _request.Candidates[candidate];
        switch (message)
        {
            case FetchResult.Fetched fetched:
                var sha256 = Convert.ToHexStringLower(SHA256.HashData(fetched.Poem));
                if (sha256 == _request.Sha256)
                {
                    HandleFetched(fetched);
                    return;
                }
                TryNext(candidate, $"{address} sent {fetched.Poem.Length} bytes whose SHA-256 {sha256[..12]}... is not the catalog's {_request.Sha256[..Math.Min(12, _request.Sha256.Length)]}...");
                break;
            case DownloadFailed failed:
                TryNext(candidate, failed.Reason);
                break;
            case StepCrashed crashed:
                TryNext(candidate, $"downloading from {address} failed: {crashed.Cause.GetBaseException().Message}");
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void TryNext(int candidate, string failure)
    {
        _failures.Add(failure);
        if (candidate + 1 < _request.Candidates.Count)
        {
            FetchFrom(candidate + 1);
            return;
        }
        var detail = _failures.Count == 1
            ? $"the one node serving '{_request.Name}' failed: {failure}"
            : $"every node serving '{_request.Name}' failed: {string.Join("; ", _failures)}";
        var report = new DownloadFailed(_request.Candidates[candidate], DownloadStep.Downloader, FetchFailure.Other, detail) { Elapsed = _clock.Elapsed };
        Context.Parent.Tell(new WorkSucceeded(new PoemOutcome.Failed(_request.Index, report)));
        Become(Reported);
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
                Succeed(fetched.Poem, fetched, new TransformReport(name, failed.Server ?? server, failed.Reason), failed.Elapsed);
                break;
            case StepCrashed crashed:
                var reason = $"transforming with {(object?)server ?? "the cluster"} failed: {crashed.Cause.GetBaseException().Message}";
                Succeed(fetched.Poem, fetched, new TransformReport(name, server, reason), _clock.Elapsed - fetched.Elapsed);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Succeed(byte[] poem, FetchResult.Fetched fetched, TransformReport? transform, TimeSpan transformTime)
    {
        var timings = new DownloadTimings(fetched.Elapsed, transformTime, _clock.Elapsed);
        Context.Parent.Tell(new WorkSucceeded(new PoemOutcome.Downloaded(_request.Index, fetched.Address, poem, fetched.Poem.Length, transform, timings)));
        Become(Reported);
    }

    private void Reported(object message) => Unhandled(message);

    private sealed class Producer(NamedPoemRequest request) : IIndirectActorProducer
    {
        public Type ActorType => typeof(NamedPoemDownloaderActor);

        public ActorBase Produce() => new NamedPoemDownloaderActor(request);

        public void Release(ActorBase actor)
        {
        }
    }

    private sealed record StepCrashed(Exception Cause) : IDeadLetterSuppression, INoSerializationVerificationNeeded;
}

/// <summary>
/// Download the poem named <paramref name="Name"/>, item <paramref name="Index"/> of its request,
/// from the first of <paramref name="Candidates"/> that sends it whole with the SHA-256
/// <paramref name="Sha256"/>, within <paramref name="Settings"/>. Local to one process.
/// </summary>
internal sealed record NamedPoemRequest(
    int Index, string Name, IReadOnlyList<NetAddress> Candidates, string Sha256, DownloadSettings Settings, IActorRef? ProgressObserver = null)
    : INoSerializationVerificationNeeded;
