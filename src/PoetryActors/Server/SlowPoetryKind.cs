using Akka.Configuration;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;

namespace PoetryActors.Server;

/// <summary>
/// The <c>slowpoetry</c> service kind: a poem service and a listener that dribbles the poem to
/// every client at once, <c>num-bytes</c> bytes every <c>delay</c> (for demos and for testing
/// clients), as separate services in one collection, like <see cref="FastPoetryKind"/>.
/// </summary>
internal static class SlowPoetryKind
{
    /// <summary>The kind's name on the command line and in deployments.</summary>
    public const string Name = "slowpoetry";

    /// <summary>The kind.</summary>
    public static ServiceKind Kind { get; } = new(
        Name,
        "A slow poetry server: sends the poem a few bytes at a time to every client at once, then closes.",
        [
            new KindOption("poem", OptionType.File, "the poem file to serve"),
            new KindOption("port", OptionType.Port, "the port to listen on (0: any free port)", "10001"),
            new KindOption("iface", OptionType.Text, "the interface to listen on", "localhost"),
            new KindOption("num-bytes", OptionType.Integer, "how many bytes to send at a time", "10") { Min = 1 },
            new KindOption("delay", OptionType.Duration, "the time between two chunks (seconds, or with a unit: 700ms)", "0.7"),
        ],
        Build);

    /// <summary>The children of a slowpoetry collection: <c>poem</c>, then <c>listener</c>.</summary>
    public static IReadOnlyList<ServiceSpec> Build(ServiceOptions options, Config config)
    {
        var chunkSize = options.GetInt("num-bytes");
        var delay = options.GetDuration("delay");
        var listener = ListenerSettings.Create(options.GetString("iface"), options.GetInt("port"), config);
        return
        [
            new("poem", PoemServiceActor.Props(options, "poem")),
            new("listener", ListenerActor.Props(listener,
                FastPoetryKind.FromSibling("poem", (poem, log) => new SlowPoemConnectionHandler(poem, chunkSize, delay, log, listener.StallTimeout)))),
        ];
    }
}
