using Akka.Actor;
using Akka.Event;
using PoetryActors.Download;
using PoetryActors.Instruments;
using PoetryActors.Kinds;
using PoetryActors.Services;
using static PoetryActors.Proxy.ProxyProtocol;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Proxy;

/// <summary>
/// The caching proxy's state (the tutorial's <c>ProxyService</c>): it owns the cached poem and
/// the one upstream fetch. The first <see cref="ProxyProtocol.GetCachedPoem"/> starts a fetch
/// (<c>Fetching poem from server.</c>) and the requests that arrive meanwhile wait for that same
/// fetch; later ones are answered from memory (<c>Using cached poem.</c>). Only a complete fetch
/// is cached: a failed, timed-out or empty one answers its waiters with
/// <see cref="ProxyProtocol.PoemNotAvailable"/> and the next request fetches again. When the last
/// waiter withdraws (<see cref="ProxyProtocol.CancelPoemRequest"/>) the fetch is cancelled
/// (<c>Canceling poem download.</c>). Also answers <see cref="ProxyProtocol.GetCacheState"/>.
/// Stopping the service cancels the fetch and forgets the poem. The phases are states that carry
/// their data: Empty, Fetching (the fetch and its waiters), Cached (the poem).
/// </summary>
internal sealed class PoemCacheActor : ServiceActor
{
    private readonly ProxyUpstream _upstream;
    private readonly FetchLimits _limits;
    private readonly ServiceInstruments _instruments;

    public PoemCacheActor(ProxyUpstream upstream, FetchLimits limits)
    {
        _instruments = ServiceInstruments.For(Self.Path).Offering(ServiceRoles.Proxy);
        _upstream = upstream;
        _limits = limits;
    }

    /// <summary>Props for a cache of the poem served at <paramref name="upstream"/>, fetched within <paramref name="limits"/>.</summary>
    public static Props Props(NetAddress upstream, FetchLimits limits) => Props(new ProxyUpstream.At(upstream), limits);

    /// <summary>Props for a cache of the poem of <paramref name="upstream"/> (an address, or a poem of the cluster by name), fetched within <paramref name="limits"/>.</summary>
    public static Props Props(ProxyUpstream upstream, FetchLimits limits) =>
        ConstructorProps.Of(() => new PoemCacheActor(upstream, limits));

    protected override Task StartServiceAsync()
    {
        Log.Info("caching the poem of {0}", _upstream);
        return Task.CompletedTask;
    }

    // Each state forgets what it holds when the service stops (it becomes Empty first).
    protected override Task StopServiceAsync() => Task.CompletedTask;

    protected override void OnReceive(object message) => Empty(message);

    // ---- states ------------------------------------------------------------------------------

    /// <summary>No poem and no fetch: the first request starts one.</summary>
    private void Empty(object message)
    {
        if (HandleServiceProtocol(message))
        {
            return;
        }

        switch (message)
        {
            case GetCachedPoem when !IsRunning:
                Sender.Tell(new PoemNotAvailable($"the proxy's cache '{Name}' is not running"));
                break;
            case GetCachedPoem request:
                Log.Info("Fetching poem from server.");
                _instruments.CacheMiss();
                var fetch = StartFetch();
                fetch.Waiters[request.RequestId] = Sender;
                Become(m => Fetching(m, fetch));
                break;
            case CancelPoemRequest:
                // Its request was answered already.
                break;
            case GetCacheState:
                Sender.Tell(new CurrentCacheState(CachePhase.Empty, 0, 0));
                break;
            case FetchEnded ended:
                // A fetch abandoned earlier has finished: nothing waits for it any more.
                ended.Fetch.Dispose();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The one upstream <paramref name="fetch"/> runs; every request meanwhile waits for it (single flight).</summary>
    private void Fetching(object message, Fetch fetch)
    {
        if (message is StopService)
        {
            AbandonFetch(fetch, $"the proxy stopped before the poem of {_upstream} arrived", ended: false);
            HandleServiceProtocol(message);
            return;
        }

        if (HandleServiceProtocol(message))
        {
            return;
        }

        switch (message)
        {
            case GetCachedPoem request:
                Log.Debug("waiting for the poem download already running ({0} waiting)", fetch.Waiters.Count + 1);
                _instruments.CacheMiss();
                fetch.Waiters[request.RequestId] = Sender;
                break;
            case CancelPoemRequest cancel:
                if (fetch.Waiters.Remove(cancel.RequestId) && fetch.Waiters.Count == 0)
                {
                    Log.Info("Canceling poem download.");
                    fetch.Cancel();
                    Become(Empty);
                }
                break;
            case GetCacheState:
                Sender.Tell(new CurrentCacheState(CachePhase.Fetching, fetch.Waiters.Count, 0));
                break;
            case FetchEnded ended when !ReferenceEquals(ended.Fetch, fetch):
                ended.Fetch.Dispose();
                break;
            case FetchCompleted { Result: UpstreamFetch.Fetched fetched }:
                HandleFetched(fetch, fetched);
                break;
            case FetchCompleted { Result: UpstreamFetch.Failed failed }:
                AbandonFetch(fetch, failed.Reason, ended: true);
                break;
            case FetchAborted aborted:
                AbandonFetch(fetch, $"fetching from {_upstream} failed: {aborted.Cause.Message}", ended: true);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The <paramref name="poem"/> is in memory: every request is answered from it.</summary>
    private void Cached(object message, byte[] poem)
    {
        if (message is StopService)
        {
            // A stopped proxy forgets its poem: a restart fetches it again.
            Become(Empty);
            HandleServiceProtocol(message);
            return;
        }

        if (HandleServiceProtocol(message))
        {
            return;
        }

        switch (message)
        {
            case GetCachedPoem:
                Log.Info("Using cached poem.");
                _instruments.CacheHit();
                Sender.Tell(new CachedPoem(poem));
                break;
            case CancelPoemRequest:
                break;
            case GetCacheState:
                Sender.Tell(new CurrentCacheState(CachePhase.Cached, 0, poem.Length));
                break;
            case FetchEnded ended:
                ended.Fetch.Dispose();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // ---- the fetch ---------------------------------------------------------------------------

    private Fetch StartFetch()
    {
        var fetch = new Fetch();
        _instruments.UpstreamFetchStarted();
        _upstream.FetchAsync(Context.System, _limits, fetch.Token).PipeTo(Self,
            success: result => new FetchCompleted(fetch, result),
            failure: cause => new FetchAborted(fetch, cause));
        return fetch;
    }

    private void HandleFetched(Fetch fetch, UpstreamFetch.Fetched fetched)
    {
        fetch.Dispose();
        Become(m => Cached(m, fetched.Poem));
        Log.Info("cached {0} bytes of poetry from {1} for {2} waiting clients", fetched.Poem.Length, fetched.From, fetch.Waiters.Count);
        var answer = new CachedPoem(fetched.Poem);
        foreach (var waiter in fetch.Waiters.Values)
        {
            waiter.Tell(answer);
        }
    }

    /// <summary>
    /// Ends <paramref name="fetch"/> without a poem and goes back to Empty: nothing is cached and
    /// every waiter hears why. A fetch whose task has <paramref name="ended"/> is released now; one
    /// still running is cancelled and released when its end arrives.
    /// </summary>
    private void AbandonFetch(Fetch fetch, string reason, bool ended)
    {
        Log.Warning("no poem to cache: {0}; {1} waiting clients get none", reason, fetch.Waiters.Count);
        _instruments.UpstreamFetchFailed();
        if (ended)
        {
            fetch.Dispose();
        }
        else
        {
            fetch.Cancel();
        }

        Become(Empty);
        var answer = new PoemNotAvailable(reason);
        foreach (var waiter in fetch.Waiters.Values)
        {
            waiter.Tell(answer);
        }

        fetch.Waiters.Clear();
    }

    /// <summary>One upstream fetch: its cancellation and the requests (by id) waiting for it.</summary>
    private sealed class Fetch : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private bool _disposed;

        public Dictionary<long, IActorRef> Waiters { get; } = [];

        public CancellationToken Token => _cancel.Token;

        public void Cancel()
        {
            if (!_disposed)
            {
                _cancel.Cancel();
            }
        }

        // Called only once the fetch's task has ended, when nothing uses the token any more.
        public void Dispose()
        {
            _disposed = true;
            _cancel.Dispose();
        }
    }

    private abstract record FetchEnded(Fetch Fetch);

    private sealed record FetchCompleted(Fetch Fetch, UpstreamFetch Result) : FetchEnded(Fetch);

    private sealed record FetchAborted(Fetch Fetch, Exception Cause) : FetchEnded(Fetch);
}
