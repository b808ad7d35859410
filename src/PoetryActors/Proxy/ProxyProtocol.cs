namespace PoetryActors.Proxy;

/// <summary>
/// The messages a caching proxy's cache service (<see cref="PoemCacheActor"/>) answers beside the
/// service protocol. Each client connection asks for the poem with its own request id, so that a
/// client that goes away can withdraw its request; the upstream fetch ends when no request waits.
/// </summary>
public static class ProxyProtocol
{
    /// <summary>
    /// Ask for the poem on behalf of one client; answered by <see cref="CachedPoem"/> or
    /// <see cref="PoemNotAvailable"/>, at once from the cache or when the upstream fetch ends.
    /// <paramref name="RequestId"/> must be unique among the requests waiting.
    /// </summary>
    public sealed record GetCachedPoem(long RequestId);

    /// <summary>The poem, from the cache or from a fetch that just completed. Never modify the array.</summary>
    public sealed record CachedPoem(byte[] Poem);

    /// <summary>There is no poem for this request: the fetch failed, timed out, or the cache does not run.</summary>
    public sealed record PoemNotAvailable(string Reason);

    /// <summary>The client of <paramref name="RequestId"/> has gone; not answered. The last one to go cancels the fetch.</summary>
    public sealed record CancelPoemRequest(long RequestId);

    /// <summary>What the cache holds and does; answered by <see cref="CurrentCacheState"/>.</summary>
    public sealed record GetCacheState
    {
        public static readonly GetCacheState Instance = new();
        private GetCacheState() { }
    }

    /// <summary>The cache's phase, how many requests wait for the fetch, and the size of the cached poem (0 when none).</summary>
    public sealed record CurrentCacheState(CachePhase Phase, int Waiting, int PoemBytes);

    /// <summary>The phases of a cache.</summary>
    public enum CachePhase
    {
        /// <summary>No poem and no fetch: the next request starts one.</summary>
        Empty,
        /// <summary>One upstream fetch runs; requests wait for it.</summary>
        Fetching,
        /// <summary>The poem is in memory.</summary>
        Cached,
    }
}
