using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;
using PoetryActors.Wire;
using static PoetryActors.Transform.TransformProtocol;

namespace PoetryActors.Transform;

/// <summary>
/// The <c>transform</c> service kind: a transforms service and a listener that answers one
/// netstring request per connection (<c>27:cummingsify.HERE IS MY POEM,</c> is answered
/// <c>15:here is my poem,</c>), compatible with the tutorial's transform server and clients.
/// </summary>
internal static class TransformKind
{
    /// <summary>The kind's name on the command line and in deployments.</summary>
    public const string Name = "transform";

    /// <summary>The kind.</summary>
    public static ServiceKind Kind { get; } = new(
        Name,
        "A transform server: rewrites a poem sent as a netstring (cummingsify and friends) and sends it back.",
        [
            new KindOption("port", OptionType.Port, "the port to listen on (0: any free port)", "10001"),
            new KindOption("iface", OptionType.Text, "the interface to listen on", "localhost"),
            new KindOption("max-length", OptionType.Integer, "the longest request and reply netstring payload, in bytes",
                NetstringDecoder.DefaultMaxLength.ToString()) { Min = 1, Max = 64 * 1024 * 1024 },
            new KindOption("idle-timeout", OptionType.Duration, "a client that has not sent its whole request by then is dropped", "10"),
        ],
        Build)
    {
        Catalog = () => TransformRegistry.Default.Select(t => (t.Name, t.Description)).ToList(),
        // A zero timeout would refuse every request before it could arrive.
        Check = options => options.GetDuration("idle-timeout") > TimeSpan.Zero
            ? []
            : [("idle-timeout", "must be more than zero")],
    };

    /// <summary>The children of a transform collection: <c>transforms</c>, then <c>listener</c>.</summary>
    public static IReadOnlyList<ServiceSpec> Build(ServiceOptions options, Config config)
    {
        var maxLength = options.GetInt("max-length");
        var idleTimeout = options.GetDuration("idle-timeout");
        // The client speaks first: deferring the accept until its request is there lets
        // nearly every connection be served at once on the accept thread.
        var listener = ListenerSettings.Create(options.GetString("iface"), options.GetInt("port"), config) with { DeferAccept = true };
        var server = TransformServerSettings.Create(config);
        return
        [
            // Reachable as an actor too: the cluster's routers send it poems in parts.
            new("transforms", TransformServiceActor.Props(TransformRegistry.Default, maxLength, Cluster.Transforms.ClusterTransformSettings.Create(config), idleTimeout)),
            new("listener", ListenerActor.Props(listener, FromSibling("transforms", maxLength, idleTimeout, listener.StallTimeout, server.MemoryBudget))),
        ];
    }

    /// <summary>
    /// A handler source for a listener whose connections are answered with the request processor
    /// of the sibling transforms service <paramref name="transformService"/>, asked each time the
    /// listener starts: a collection with transforms of its own (a custom
    /// <see cref="TransformRegistry"/> in a <see cref="TransformServiceActor"/>) uses it as the
    /// kind does. <paramref name="stallTimeout"/> and <paramref name="memoryBudget"/> default to reference.conf's.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> FromSibling(string transformService, int maxLength, TimeSpan idleTimeout,
        TimeSpan? stallTimeout = null, long? memoryBudget = null) =>
        SiblingHandlerSource.Ask(transformService, GetProcessor.Instance, (answer, log) => answer is CurrentProcessor current
            ? new TransformConnectionHandler(current.Processor, maxLength, idleTimeout, log, stallTimeout, memoryBudget)
            : null);
}
