using Akka.Actor;
using PoetryActors.Download;
using PoetryActors.Kinds;

namespace PoetryActors.Proxy;

/// <summary>
/// Where a caching proxy fetches its poem: <see cref="At"/> a poem server's address
/// (<c>[HOST:]PORT</c>), or <see cref="NamedPoem"/> (<c>poem:NAME</c>), the poem of that name
/// wherever the cluster serves it, found in the member's catalog at each fetch (the member itself
/// first) and checked against the catalog's SHA-256 (<see cref="Cluster.NamedPoemUpstream"/>).
/// </summary>
public abstract record ProxyUpstream
{
    /// <summary>The prefix of a named poem upstream.</summary>
    public const string PoemPrefix = "poem:";

    private ProxyUpstream()
    {
    }

    /// <summary>The poem server at <paramref name="Address"/>.</summary>
    public sealed record At(NetAddress Address) : ProxyUpstream
    {
        /// <inheritdoc />
        public override string ToString() => Address.ToString();
    }

    /// <summary>The poem named <paramref name="Name"/> (its file name without extension), wherever the cluster serves it.</summary>
    public sealed record NamedPoem(string Name) : ProxyUpstream
    {
        /// <inheritdoc />
        public override string ToString() => PoemPrefix + Name;
    }

    /// <summary>Reads <c>[HOST:]PORT</c> or <c>poem:NAME</c>; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string text, out ProxyUpstream upstream, out string error)
    {
        upstream = null!;
        text = text.Trim();
        if (text.StartsWith(PoemPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = text[PoemPrefix.Length..];
            if (name.Length == 0)
            {
                error = "'poem:' names no poem: give poem:NAME, the poem's file name without its extension, such as poem:ecstasy";
                return false;
            }
            if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '\\' or ':'))
            {
                error = $"'{text}' is not a poem name: a file name without extension, with no spaces, ':' or '/'";
                return false;
            }
            upstream = new NamedPoem(name);
            error = "";
            return true;
        }
        if (NetAddress.TryParse(text, out var address, out error))
        {
            upstream = new At(address);
            return true;
        }
        error = $"{error} (or poem:NAME, a poem of the cluster by name)";
        return false;
    }

    /// <summary>Fetches the poem within <paramref name="limits"/>, using <paramref name="system"/>'s catalog for a named poem.</summary>
    public Task<UpstreamFetch> FetchAsync(ActorSystem system, FetchLimits limits, CancellationToken cancel) => this switch
    {
        At at => FetchAtAsync(at.Address, limits, cancel),
        NamedPoem named => Cluster.NamedPoemUpstream.FetchAsync(system, named.Name, limits, cancel),
        _ => throw new InvalidOperationException($"unknown upstream {this}"),
    };

    private static async Task<UpstreamFetch> FetchAtAsync(NetAddress address, FetchLimits limits, CancellationToken cancel) =>
        await PoemFetcher.FetchAsync(address, limits, cancel).ConfigureAwait(false) switch
        {
            FetchResult.Fetched { Poem.Length: > 0 } fetched => new UpstreamFetch.Fetched(fetched.Poem, address.ToString()),
            // Our own proxies say "no poem" with an empty close; caching that would serve nothing forever.
            FetchResult.Fetched => new UpstreamFetch.Failed($"{address} closed the connection without sending a poem"),
            DownloadFailed failed => new UpstreamFetch.Failed(failed.Reason),
            var other => new UpstreamFetch.Failed($"fetching from {address} ended with {other}"),
        };
}

/// <summary>What a proxy's upstream fetch brought: a poem (not empty) and where from, or why there is none.</summary>
public abstract record UpstreamFetch
{
    private UpstreamFetch()
    {
    }

    /// <summary><paramref name="Poem"/> (never empty), fetched from <paramref name="From"/>.</summary>
    public sealed record Fetched(byte[] Poem, string From) : UpstreamFetch;

    /// <summary>No poem, because of <paramref name="Reason"/>.</summary>
    public sealed record Failed(string Reason) : UpstreamFetch;
}
