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
/// </summary>
public static class FastPoetryKind
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
        ],
        Build);

    /// <summary>The children of a fastpoetry collection: <c>poem</c>, then <c>listener</c>.</summary>
    public static IReadOnlyList<ServiceSpec> Build(ServiceOptions options, Config config) =>
    [
        new("poem", PoemServiceActor.Props(options.GetString("poem"))),
        new("listener", ListenerActor.Props(
            ListenerSettings.Create(options.GetString("iface"), options.GetInt("port"), config),
            FromSibling("poem"))),
    ];

    /// <summary>
    /// A handler source that asks the sibling poem service for its poem each time the listener
    /// starts, so a restarted poem service's new poem is served after the listener restarts too.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> FromSibling(string poemService) =>
        FromSibling(poemService, (poem, log) => new PoemConnectionHandler(poem, log));

    /// <summary>
    /// The same, for any protocol that serves the sibling's poem: <paramref name="makeHandler"/>
    /// turns the poem's bytes and the listener's logger into the connection handler.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> FromSibling(
        string poemService, Func<byte[], ILoggingAdapter, IConnectionHandler> makeHandler) => async context =>
    {
        var log = context.GetLogger();
        var answer = await context.ActorSelection($"../{poemService}").Ask(GetPoem.Instance, TimeSpan.FromSeconds(5));
        return answer switch
        {
            CurrentPoem poem => makeHandler(poem.Poem, log),
            PoemUnavailable none => throw new ServiceStartException(none.Reason),
            _ => throw new ServiceStartException($"unexpected answer from the poem service: {answer}"),
        };
    };
}
