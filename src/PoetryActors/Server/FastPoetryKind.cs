using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;
using static PoetryActors.Server.PoemProtocol;

namespace PoetryActors.Server;

/// <summary>
/// The <c>fastpoetry</c> service kind: a poem service and a listener that sends the poem to
/// every client at once, as separate services in one collection (the tutorial's Figure 34).
/// Part 16's third exercise: an optional second poem on a second port (<c>poem2</c> and
/// <c>port2</c>, both or neither) adds a second poem service and listener to the same collection.
/// </summary>
internal static class FastPoetryKind
{
    /// <summary>The kind's name on the command line and in deployments.</summary>
    public const string Name = "fastpoetry";

    /// <summary>The kind.</summary>
    public static ServiceKind Kind { get; } = new(
        Name,
        "A fast poetry server: sends the whole poem to each client at once, then closes.",
        [
            new KindOption("poem", OptionType.File, "the poem file to serve"),
            new KindOption("port", OptionType.Port, "the port to listen on (0: any free port)", "10000"),
            new KindOption("iface", OptionType.Text, "the interface to listen on", "localhost"),
            new KindOption("poem2", OptionType.File, "a second poem file to serve, on port2 (optional)") { Optional = true },
            new KindOption("port2", OptionType.Port, "the port to serve poem2 on (0: any free port; with poem2 only)") { Optional = true },
        ],
        Build)
    {
        Check = CheckSecondPoem,
    };

    /// <summary>
    /// The children of a fastpoetry collection: <c>poem</c>, then <c>listener</c>, and with a
    /// second poem <c>poem2</c>, then <c>listener2</c>, on the same interface.
    /// </summary>
    public static IReadOnlyList<ServiceSpec> Build(ServiceOptions options, Config config)
    {
        var iface = options.GetString("iface");
        var listener = ListenerSettings.Create(iface, options.GetInt("port"), config);
        var children = new List<ServiceSpec>
        {
            new("poem", PoemServiceActor.Props(options, "poem")),
            new("listener", ListenerActor.Props(listener, FromSibling("poem", listener.StallTimeout))),
        };
        if (options.Has("poem2"))
        {
            var listener2 = ListenerSettings.Create(iface, options.GetInt("port2"), config);
            children.Add(new ServiceSpec("poem2", PoemServiceActor.Props(options, "poem2")));
            children.Add(new ServiceSpec("listener2", ListenerActor.Props(listener2, FromSibling("poem2", listener2.StallTimeout))));
        }
        return children;
    }

    private static IEnumerable<(string Key, string Message)> CheckSecondPoem(ServiceOptions options)
    {
        if (options.Has("poem2") && !options.Has("port2"))
        {
            yield return ("port2", "missing: poem2 needs a port2 to be served on");
        }

        if (options.Has("port2") && !options.Has("poem2"))
        {
            yield return ("poem2", "missing: port2 needs a poem2 to serve");
        }

        if (options.Has("port2") && options.GetInt("port2") is var port2 and not 0 && port2 == options.GetInt("port"))
        {
            yield return ("port2", $"port {port2} is already the first poem's port");
        }
    }

    /// <summary>
    /// A handler source that asks the sibling poem service for its poem each time the listener
    /// starts, so a restarted poem service's new poem is served after the listener restarts too.
    /// A client that takes no byte for <paramref name="stallTimeout"/> (reference.conf's by default) is reset.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> FromSibling(string poemService, TimeSpan? stallTimeout = null) =>
        FromSibling(poemService, (poem, log) => new PoemConnectionHandler(poem, log, stallTimeout));

    /// <summary>
    /// The same, for any protocol that serves the sibling's poem: <paramref name="makeHandler"/>
    /// turns the poem's bytes and the listener's logger into the connection handler.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> FromSibling(
        string poemService, Func<byte[], ILoggingAdapter, IConnectionHandler> makeHandler) =>
        SiblingHandlerSource.Ask(poemService, GetPoem.Instance, (answer, log) => answer is CurrentPoem poem ? makeHandler(poem.Poem, log) : null);
}
