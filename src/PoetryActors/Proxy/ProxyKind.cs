using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using PoetryActors.Download;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;

namespace PoetryActors.Proxy;

/// <summary>
/// The <c>proxy</c> service kind (the tutorial's caching proxy): toward clients a poem server;
/// behind it a cache that fetches the poem from its upstream once, shares that fetch among the
/// clients who arrive meanwhile, and serves it from memory afterwards. Its collection holds
/// <c>cache</c> (<see cref="PoemCacheActor"/>), then <c>listener</c>. The upstream may itself be
/// a proxy, or <c>poem:NAME</c>: the cluster's poem of that name, wherever it is served.
/// </summary>
internal static class ProxyKind
{
    /// <summary>The kind's name on the command line and in deployments.</summary>
    public const string Name = "proxy";

    // The clients' wait for the cache outlasts any fetch, so a fetch's own failure, with its
    // reason, reaches them before their question times out.
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromSeconds(5);

    /// <summary>The kind.</summary>
    public static ServiceKind Kind { get; } = new(
        Name,
        "A caching poetry proxy: fetches the poem from another server once, then serves it from memory.",
        [
            new KindOption("upstream", OptionType.Text, "the poem server to fetch from: [HOST:]PORT, or poem:NAME for the cluster's poem of that name"),
            new KindOption("port", OptionType.Port, "the port to listen on (0: any free port)", "10003"),
            new KindOption("iface", OptionType.Text, "the interface to listen on", "localhost"),
            new KindOption("fetch-timeout", OptionType.Duration, "how long the upstream fetch may take, connect to close (seconds, or with a unit)", "10s"),
        ],
        Build)
    {
        Check = CheckOptions,
    };

    /// <summary>The children of a proxy collection: <c>cache</c>, then <c>listener</c>.</summary>
    public static IReadOnlyList<ServiceSpec> Build(ServiceOptions options, Config config)
    {
        var fetchTimeout = options.GetDuration("fetch-timeout");
        var limits = FetchLimits.Create(config) with { Deadline = fetchTimeout };
        var listener = ListenerSettings.Create(options.GetString("iface"), options.GetInt("port"), config);
        return
        [
            new("cache", PoemCacheActor.Props(Upstream(options), limits)),
            new("listener", ListenerActor.Props(listener, FromCache("cache", fetchTimeout + AnswerMargin, listener.StallTimeout))),
        ];
    }

    /// <summary>
    /// A handler source for a listener whose connections are served by the sibling cache service
    /// <paramref name="cacheService"/>, each waiting at most <paramref name="answerTimeout"/>; a
    /// client that takes no byte of the poem for <paramref name="stallTimeout"/> (reference.conf's
    /// by default) is reset.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> FromCache(string cacheService, TimeSpan answerTimeout, TimeSpan? stallTimeout = null) => context =>
    {
        // A selection by path, not a reference: a cache restarted by its collection is a new
        // actor, and the listener's connections must reach whichever one runs now.
        var cache = context.ActorSelection(context.Self.Path.Parent / cacheService);
        return Task.FromResult<IConnectionHandler>(new ProxyConnectionHandler(cache, answerTimeout, context.GetLogger(), stallTimeout));
    };

    // Checked before Build runs (CheckOptions refuses a bad one).
    private static ProxyUpstream Upstream(ServiceOptions options) =>
        ProxyUpstream.TryParse(options.GetString("upstream"), out var upstream, out var error) ? upstream : throw new ArgumentException(error);

    private static IEnumerable<(string Key, string Message)> CheckOptions(ServiceOptions options)
    {
        if (options.GetDuration("fetch-timeout") <= TimeSpan.Zero)
        {
            yield return ("fetch-timeout", "must be more than zero");
        }

        if (!ProxyUpstream.TryParse(options.GetString("upstream"), out var parsed, out var error))
        {
            yield return ("upstream", error);
            yield break;
        }
        var port = options.GetInt("port");
        if (parsed is ProxyUpstream.At { Address: var upstream } && upstream.Port == port && IsLoopback(upstream.Host) && IsLoopback(options.GetString("iface")))
        {
            yield return ("upstream", $"{upstream} is this proxy's own address: it would fetch from itself");
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "::1";
}
