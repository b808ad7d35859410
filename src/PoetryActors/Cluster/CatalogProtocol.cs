using Akka.Actor;

namespace PoetryActors.Cluster;

/// <summary>
/// The catalog's messages. <see cref="GetCatalog"/> (from a member, or from outside the cluster
/// through the cluster client and receptionist) is answered by <see cref="CurrentCatalog"/>: the
/// members and the services of the members that are Up and reachable. These cross the network,
/// implement <see cref="IPoetryClusterMessage"/> and carry plain values only.
/// <see cref="LocalServicesChanged"/> stays in the node and tells the catalog to read its
/// services again (after a start or a reload).
/// </summary>
public static class CatalogProtocol
{
    /// <summary>The path under which every member's catalog actor is registered with the receptionist.</summary>
    public const string ServicePath = "/user/" + CatalogActor.ActorName;

    /// <summary>Ask for the catalog; answered by <see cref="CurrentCatalog"/>.</summary>
    public sealed record GetCatalog : IPoetryClusterMessage
    {
        public static readonly GetCatalog Instance = new();
        private GetCatalog() { }
    }

    /// <summary>
    /// The cluster as the answering member sees it: every member (address, roles, status) and
    /// the services of the members that are Up and reachable, ordered by node, then name.
    /// <paramref name="Answerer"/> is the address of the member that answered.
    /// </summary>
    public sealed record CurrentCatalog(string Answerer, IReadOnlyList<CatalogMember> Members, IReadOnlyList<CatalogService> Services) : IPoetryClusterMessage
    {
        /// <summary>The services whose poem is named <paramref name="poem"/>.</summary>
        public IEnumerable<CatalogService> ServingPoem(string poem) => Services.Where(s => s.Poem == poem);
    }

    /// <summary>
    /// One member: its <paramref name="Address"/> (<c>akka.tcp://poetry@127.0.0.1:4053</c>), roles,
    /// and status in lower case (<c>up</c>, <c>joining</c>, <c>leaving</c>, ... or <c>unreachable</c>).
    /// </summary>
    public sealed record CatalogMember(string Address, IReadOnlyList<string> Roles, string Status) : IPoetryClusterMessage;

    /// <summary>
    /// Told to the node's catalog when its services changed (they started, or a reload changed
    /// them): it reads them from <paramref name="Source"/> (null: the source it has) and republishes.
    /// </summary>
    internal sealed record LocalServicesChanged(LocalServiceSource? Source = null) : INoSerializationVerificationNeeded;

    /// <summary>
    /// Told to the node's catalog before a reload: until <see cref="DeploymentChanged"/> or
    /// <see cref="ReloadEnded"/> it reads nothing, since a reading in the middle of a reload sees a
    /// changed service stopped and not yet started again and would publish it as gone.
    /// </summary>
    internal sealed record ReloadStarting : INoSerializationVerificationNeeded
    {
        public static readonly ReloadStarting Instance = new();
        private ReloadStarting() { }
    }

    /// <summary>Told to the node's catalog after a reload that changed nothing (refused, or failed): it reads its services again.</summary>
    internal sealed record ReloadEnded : INoSerializationVerificationNeeded
    {
        public static readonly ReloadEnded Instance = new();
        private ReloadEnded() { }
    }

    /// <summary>
    /// Told to the node's catalog after a reload: the node now runs <paramref name="Entries"/> (the
    /// reloader's top-level entries); the catalog reads them from its source and republishes.
    /// </summary>
    internal sealed record DeploymentChanged(IReadOnlyList<Deployment.DeploymentEntry> Entries) : INoSerializationVerificationNeeded;
}

/// <summary>
/// One service in the catalog: the <paramref name="Node"/> serving it (its member address), its
/// <paramref name="Name"/> (its path in the node's tree, such as <c>ecstasy</c>), its
/// <paramref name="Kind"/> and the TCP <paramref name="Endpoint"/> (HOST:PORT) other machines
/// reach it on; for poem services also the poem's name (its file name without extension), its
/// size and its SHA-256 (lower-case hex).
/// </summary>
public sealed record CatalogService(
    string Node,
    string Name,
    string Kind,
    string Endpoint,
    string? Poem = null,
    long? Bytes = null,
    string? Sha256 = null) : IPoetryClusterMessage;
