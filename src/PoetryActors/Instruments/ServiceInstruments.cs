using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akka.Actor;

namespace PoetryActors.Instruments;

/// <summary>
/// What one service has done since the process started: connections, poems, bytes, cuts,
/// transforms, cache hits and fetches. One instance per service name, shared by every listener and
/// state service of that service (<c>ecstasy/listener</c>, <c>ecstasy/listener2</c>,
/// <c>cache/cache</c>) and kept across restarts and reloads, so the counts only grow, as Prometheus
/// counters must. <see cref="PoetryMeter"/> publishes them; the status page reads them directly.
/// </summary>
internal sealed class ServiceInstruments
{
    private static readonly ConcurrentDictionary<string, ServiceInstruments> ByService = new();

    private readonly long[] _cuts = new long[Enum.GetValues<CutReason>().Length];
    private readonly ConcurrentDictionary<(string Transform, string Outcome), StrongBox<long>> _transforms = new();
    private readonly ConcurrentDictionary<string, string> _endpoints = new();
    private long _accepted, _ended, _poems, _bytes, _hits, _misses, _fetches, _fetchFailures;
    private int _roles;

    private ServiceInstruments(string service)
    {
        Service = service;
        Tag = new KeyValuePair<string, object?>(PoetryMeter.ServiceLabel, service);
        PoetryMeter.EnsureCreated();
    }

    /// <summary>
    /// For a handler that no listener has told its service (one made by hand, in a test): counts
    /// like any other, but is published nowhere.
    /// </summary>
    internal static ServiceInstruments Unassigned => new("-");

    /// <summary>The service's name, as its label: its path under the node (<c>ecstasy</c>, <c>group/ecstasy</c>).</summary>
    public string Service { get; }

    internal KeyValuePair<string, object?> Tag { get; }

    /// <summary>Every service that has counted something, in no particular order.</summary>
    public static IEnumerable<ServiceInstruments> All => ByService.Values;

    /// <summary>The instruments of the service named <paramref name="service"/>.</summary>
    public static ServiceInstruments For(string service) => ByService.GetOrAdd(service, static name => new ServiceInstruments(name));

    /// <summary>
    /// The instruments of the service that the actor at <paramref name="path"/> belongs to: the
    /// collection that holds it, named by its path under the node's root (<c>/user/node/ecstasy/listener</c>
    /// counts for <c>ecstasy</c>). An actor that is not inside a collection counts under its own name.
    /// </summary>
    public static ServiceInstruments For(ActorPath path) => For(ServiceName(path));

    /// <summary>The label for the actor at <paramref name="path"/> (see <see cref="For(ActorPath)"/>).</summary>
    public static string ServiceName(ActorPath path)
    {
        var elements = path.Elements.ToList();
        if (elements.Count > 0 && elements[0] == "user")
        {
            elements.RemoveAt(0);
        }

        if (elements.Count > 1 && elements[0] == "node")
        {
            elements.RemoveAt(0);
        }

        if (elements.Count > 1)
        {
            elements.RemoveAt(elements.Count - 1);
        }

        return string.Join('/', elements);
    }

    /// <summary>What the service does, so that only its own instruments are published for it.</summary>
    public ServiceRoles Roles => (ServiceRoles)Volatile.Read(ref _roles);

    /// <summary>Says that the service also does <paramref name="roles"/>; returns this.</summary>
    internal ServiceInstruments Offering(ServiceRoles roles)
    {
        int seen, wanted;
        do
        {
            seen = Volatile.Read(ref _roles);
            wanted = seen | (int)roles;
        } while (seen != wanted && Interlocked.CompareExchange(ref _roles, wanted, seen) != seen);
        return this;
    }

    /// <summary>Connections accepted.</summary>
    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections accepted and not yet ended.</summary>
    public long InFlight => Math.Max(0, Volatile.Read(ref _accepted) - Volatile.Read(ref _ended));

    /// <summary>Poems sent whole.</summary>
    public long PoemsServed => Volatile.Read(ref _poems);

    /// <summary>Bytes of poetry sent.</summary>
    public long BytesSent => Volatile.Read(ref _bytes);

    /// <summary>Proxy clients served from the cache.</summary>
    public long CacheHits => Volatile.Read(ref _hits);

    /// <summary>Proxy clients that waited for an upstream fetch.</summary>
    public long CacheMisses => Volatile.Read(ref _misses);

    /// <summary>Upstream fetches started.</summary>
    public long UpstreamFetches => Volatile.Read(ref _fetches);

    /// <summary>Upstream fetches that brought no poem.</summary>
    public long UpstreamFailures => Volatile.Read(ref _fetchFailures);

    /// <summary>Connections cut for <paramref name="reason"/>.</summary>
    public long Cut(CutReason reason) => Volatile.Read(ref _cuts[(int)reason]);

    /// <summary>Every connection cut, whatever the reason.</summary>
    public long CutTotal => Enum.GetValues<CutReason>().Sum(Cut);

    /// <summary>Transform requests answered, by (transform, outcome).</summary>
    public IEnumerable<KeyValuePair<(string Transform, string Outcome), long>> Transforms =>
        _transforms.Select(p => KeyValuePair.Create(p.Key, Volatile.Read(ref p.Value.Value)));

    /// <summary>The addresses the service's listeners are bound to now, by listener name.</summary>
    public IReadOnlyDictionary<string, string> Endpoints => _endpoints;

    // ---- counting (the hot path: an interlocked add each) -------------------------------------

    /// <summary>A connection was accepted; returns the timestamp to give <see cref="ConnectionEnded"/>.</summary>
    internal long ConnectionAccepted()
    {
        Interlocked.Increment(ref _accepted);
        return Stopwatch.GetTimestamp();
    }

    /// <summary>A connection accepted at <paramref name="acceptedAt"/> has ended; <paramref name="cut"/> says why when it was not served in full.</summary>
    internal void ConnectionEnded(long acceptedAt, CutReason? cut = null)
    {
        Interlocked.Increment(ref _ended);
        if (cut is { } reason)
        {
            Interlocked.Increment(ref _cuts[(int)reason]);
        }

        if (PoetryMeter.ServeDuration.Enabled)
        {
            PoetryMeter.ServeDuration.Record(Stopwatch.GetElapsedTime(acceptedAt).TotalSeconds, Tag);
        }
    }

    /// <summary>A poem of <paramref name="bytes"/> bytes was sent whole.</summary>
    internal void PoemSent(int bytes)
    {
        Interlocked.Increment(ref _poems);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>Counts the poem once <paramref name="writing"/> (the write of <paramref name="bytes"/> bytes) has succeeded.</summary>
    internal ValueTask CountPoem(ValueTask writing, int bytes)
    {
        if (writing.IsCompletedSuccessfully)
        {
            PoemSent(bytes);
            return writing;
        }
        return CountWhenWritten(writing, bytes);
    }

    private async ValueTask CountWhenWritten(ValueTask writing, int bytes)
    {
        await writing.ConfigureAwait(false);
        PoemSent(bytes);
    }

    /// <summary>A transform request was answered: <paramref name="transform"/> (or <c>-</c> when none was named) with <paramref name="outcome"/>.</summary>
    internal void TransformAnswered(string transform, string outcome) =>
        Interlocked.Increment(ref _transforms.GetOrAdd((transform, outcome), static _ => new StrongBox<long>()).Value);

    internal void CacheHit() => Interlocked.Increment(ref _hits);

    internal void CacheMiss() => Interlocked.Increment(ref _misses);

    internal void UpstreamFetchStarted() => Interlocked.Increment(ref _fetches);

    internal void UpstreamFetchFailed() => Interlocked.Increment(ref _fetchFailures);

    internal void Bound(string listener, string endpoint) => _endpoints[listener] = endpoint;

    internal void Unbound(string listener) => _endpoints.TryRemove(listener, out _);
}

/// <summary>What a service does, as far as its instruments go.</summary>
[Flags]
internal enum ServiceRoles
{
    /// <summary>Nothing counted yet.</summary>
    None = 0,

    /// <summary>It listens: connections accepted, in flight, cut, and the serve time.</summary>
    Connections = 1,

    /// <summary>It sends poems: poems served and bytes sent.</summary>
    Poems = 2,

    /// <summary>It answers transform requests.</summary>
    Transforms = 4,

    /// <summary>It is a caching proxy: hits, misses, upstream fetches and their failures.</summary>
    Proxy = 8,
}
