using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using PoetryActors.Services;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// A member's catalog (<c>/user/catalog</c>). It publishes what this node serves into
/// DistributedData, one entry per member keyed by the member's unique address and split into
/// chunks that each fit a gossip message (<see cref="CatalogPublication"/>), written only by this
/// member: locally while it joins (before it is Up, a member that has not heard of it yet would
/// log each write as from an unknown node; gossip carries them), then sent to every member at once
/// (<c>WriteAll</c>; the acknowledgements are awaited until the next republish at most, and an
/// unacknowledged write still spreads by gossip), and all of it again the moment this member is
/// Up, so the others list its services without waiting for a gossip round. It republishes after
/// <see cref="LocalServicesChanged"/> and every <see cref="CatalogSettings.RepublishInterval"/>
/// when something changed. It answers
/// <see cref="GetCatalog"/> (from members, or from outside through the cluster client) with
/// <see cref="CurrentCatalog"/>, showing only the services of members that are Up and reachable.
/// DistributedData's pruning does not remove a dead member's entry, so the oldest member does:
/// on <c>MemberRemoved</c> and every <see cref="CatalogSettings.SweepInterval"/> it deletes the
/// chunks of every owner that is no longer a member. States: Idle, Describing (reading the
/// local services; a change meanwhile cancels that reading and starts a fresh one: an old reading
/// can be waiting on a listener that did not exist yet, and a new member's services would
/// otherwise reach the others only after its asks timed out).
/// </summary>
internal sealed class CatalogActor : UntypedActor, IWithTimers
{
    /// <summary>The actor's name under <c>/user</c>.</summary>
    public const string ActorName = "catalog";

    private readonly CatalogSettings _settings;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly CatalogReplica _data = CatalogReplica.Of(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _owner;
    private readonly string _node;
    private LocalServiceSource _source;
    private CatalogPublication _published = CatalogPublication.Empty;
    private long _version;
    // The reading under way (cancelled when a change makes it stale) and its number: answers of an
    // older reading are ignored.
    private CancellationTokenSource? _reading;
    private int _readings;
    // Who a write goes to at once: this replica only while joining; every member from this member's
    // own MemberUp on (taken from the event: the cluster's read view of itself can lag behind it).
    private IWriteConsistency? _writeTo;

    /// <summary>A catalog that publishes what <paramref name="source"/> describes.</summary>
    public CatalogActor(CatalogSettings settings, LocalServiceSource source)
    {
        _settings = settings;
        _source = source;
        _owner = OwnerId(_cluster.SelfUniqueAddress);
        _node = _cluster.SelfAddress.ToString();
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a catalog that publishes what <paramref name="source"/> describes.</summary>
    public static Props Props(CatalogSettings settings, LocalServiceSource source) =>
        ConstructorProps.Of(() => new CatalogActor(settings, source));

    /// <summary>A member's unique address as catalog keys name it: <c>akka.tcp://poetry@host:port#uid</c>.</summary>
    public static string OwnerId(UniqueAddress member) => $"{member.Address}#{member.Uid}";

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.MemberUp));
        Timers.StartPeriodicTimer("republish", Republish.Instance, _settings.RepublishInterval);
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, _settings.SweepInterval);
        Self.Tell(new LocalServicesChanged());
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _reading?.Cancel();
        _reading?.Dispose();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case LocalServicesChanged changed:
                _source = changed.Source ?? _source;
                StartDescribing();
                break;
            case DeploymentChanged changed:
                _source = _source.WithEntries(changed.Entries);
                StartDescribing();
                break;
            case Republish:
                StartDescribing();
                break;
            default:
                HandleCommon(message);
                break;
        }
    }

    /// <summary>Reading the local services (reading number <see cref="_readings"/>).</summary>
    private void Describing(object message)
    {
        switch (message)
        {
            case LocalServicesChanged changed:
                _source = changed.Source ?? _source;
                StartDescribing();
                break;
            case DeploymentChanged changed:
                _source = _source.WithEntries(changed.Entries);
                StartDescribing();
                break;
            case Republish:
                // The reading under way is recent enough.
                break;
            case Described described when described.Reading == _readings:
                EndReading();
                Publish(described.Services);
                break;
            case DescribeFailed failed when failed.Reading == _readings:
                EndReading();
                _log.Warning("catalog: cannot read this node's services: {0}", failed.Cause.Message);
                break;
            case Described or DescribeFailed:
                // A reading that a change made stale.
                break;
            default:
                HandleCommon(message);
                break;
        }
    }

    private void HandleCommon(object message)
    {
        switch (message)
        {
            case GetCatalog:
                HandleGetCatalog(Sender);
                break;
            case ClusterEvent.MemberUp up when up.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress):
                // Up: every member now knows this one, and shows its services once it has them.
                _writeTo = new WriteAll(_settings.RepublishInterval);
                PushToAll(_published);
                break;
            case ClusterEvent.MemberRemoved removed:
                // A member shutting down sees every other member removed from its own view: no news.
                if (_cluster.SelfMember.Status != MemberStatus.Up)
                {
                    break;
                }

                _log.Info("catalog: {0} left the cluster ({1})", removed.Member.Address, removed.PreviousStatus);
                SweepIfOldest();
                break;
            case Sweep:
                SweepIfOldest();
                break;
            case Swept swept:
                foreach (var owner in swept.Owners)
                {
                    _log.Info("catalog: removed the entry of {0}, which is no longer a member", owner);
                }

                break;
            case WriteFailed failed:
                _log.Warning("catalog: publishing this node's services failed: {0}", failed.Cause.Message);
                break;
            case ClusterEvent.IMemberEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void StartDescribing()
    {
        _reading?.Cancel();
        _reading?.Dispose();
        _reading = new CancellationTokenSource();
        var reading = ++_readings;
        Become(Describing);
        _source.DescribeAsync(_node, _reading.Token)
            .PipeTo(Self, success: services => new Described(reading, services), failure: e => new DescribeFailed(reading, e));
    }

    private void EndReading()
    {
        _reading?.Dispose();
        _reading = null;
        Become(OnReceive);
    }

    private void Publish(IReadOnlyList<CatalogService> services)
    {
        var next = CatalogPublication.Split(services, _settings);
        if (next.SameServicesAs(_published))
        {
            return;
        }

        if (next.Refused.Count > 0 && !next.SameRefusalAs(_published))
        {
            _log.Error(
                "catalog: {0} of this node's {1} services are not published: {2}. They do not fit poetry.cluster.catalog.max-node-bytes ({3} bytes) or one chunk (max-chunk-bytes {4}); raise the limits or spread the services over more nodes",
                next.Refused.Count, services.Count, string.Join(", ", next.Refused.Take(5).Select(s => s.Name)) + (next.Refused.Count > 5 ? ", ..." : ""),
                _settings.MaxNodeBytes, _settings.MaxChunkBytes);
        }

        _log.Info("catalog: publishing {0} services of this node in {1} chunks ({2} bytes)", next.Published, next.Chunks.Count, next.Bytes);

        var version = ++_version;
        var writes = new List<Task>();
        for (var index = 0; index < Math.Max(next.Chunks.Count, _published.Chunks.Count); index++)
        {
            var chunk = index < next.Chunks.Count ? next.Chunks[index] : [];
            if (index < _published.Chunks.Count && _published.Chunks[index].SequenceEqual(chunk))
            {
                continue;
            }

            writes.Add(_data.PutAsync(new CatalogChunk(_owner, index, version, chunk), _writeTo));
        }
        _published = next;
        ReportFailures(writes);
    }

    /// <summary>Writes every chunk of <paramref name="publication"/> again, to every member at once.</summary>
    private void PushToAll(CatalogPublication publication)
    {
        var version = ++_version;
        ReportFailures(publication.Chunks.Select((chunk, index) => _data.PutAsync(new CatalogChunk(_owner, index, version, chunk), _writeTo)).ToList());
    }

    private void ReportFailures(List<Task> writes)
    {
        var self = Self;
        Task.WhenAll(writes).ContinueWith(
            t => self.Tell(new WriteFailed(t.Exception!.GetBaseException())),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private void HandleGetCatalog(IActorRef replyTo)
    {
        // A snapshot: the task below reads it, never the actor's fields.
        var state = _cluster.State;
        var answerer = _node;
        ReadCatalogAsync(_data, state, answerer).PipeTo(replyTo, failure: e => new Status.Failure(e));
    }

    /// <summary>The catalog from the local replica, as members that are Up and reachable in <paramref name="state"/> published it.</summary>
    internal static async Task<CurrentCatalog> ReadCatalogAsync(CatalogReplica data, ClusterEvent.CurrentClusterState state, string answerer)
    {
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        var members = state.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new CatalogMember(
                m.Address.ToString(),
                m.Roles.Order(StringComparer.Ordinal).ToList(),
                unreachable.Contains(m.UniqueAddress) ? "unreachable" : m.Status.ToString().ToLowerInvariant()))
            .ToList();
        var serving = state.Members
            .Where(m => m.Status == MemberStatus.Up && !unreachable.Contains(m.UniqueAddress))
            .Select(m => OwnerId(m.UniqueAddress))
            .ToHashSet(StringComparer.Ordinal);

        var keys = await data.KeysAsync().ConfigureAwait(false);
        var reads = keys.Where(k => CatalogKeys.OwnerOf(k) is { } owner && serving.Contains(owner)).Select(data.GetAsync);
        var chunks = await Task.WhenAll(reads).ConfigureAwait(false);
        var services = chunks.Where(c => c is not null)
            .SelectMany(c => c!.Services)
            .OrderBy(s => s.Node, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        return new CurrentCatalog(answerer, members, services);
    }

    private void SweepIfOldest()
    {
        var state = _cluster.State;
        var up = state.Members.Where(m => m.Status == MemberStatus.Up).ToList();
        var oldest = up.Aggregate((Member?)null, (o, m) => o is null || m.IsOlderThan(o) ? m : o);
        if (oldest is null || !oldest.UniqueAddress.Equals(_cluster.SelfUniqueAddress))
        {
            return;
        }

        var members = state.Members.Select(m => OwnerId(m.UniqueAddress)).ToHashSet(StringComparer.Ordinal);
        var data = _data;
        SweepAsync(data, members).PipeTo(Self, success: owners => new Swept(owners), failure: e => new WriteFailed(e));
    }

    private static async Task<IReadOnlyList<string>> SweepAsync(CatalogReplica data, HashSet<string> members)
    {
        var keys = await data.KeysAsync().ConfigureAwait(false);
        var gone = keys.Select(k => (Key: k, Owner: CatalogKeys.OwnerOf(k)))
            .Where(k => k.Owner is not null && !members.Contains(k.Owner))
            .ToList();
        foreach (var (key, _) in gone)
        {
            await data.DeleteAsync(key).ConfigureAwait(false);
        }

        return gone.Select(g => g.Owner!).Distinct().ToList();
    }

    private sealed record Described(int Reading, IReadOnlyList<CatalogService> Services) : INoSerializationVerificationNeeded;

    private sealed record DescribeFailed(int Reading, Exception Cause) : INoSerializationVerificationNeeded;

    private sealed record WriteFailed(Exception Cause) : INoSerializationVerificationNeeded;

    private sealed record Swept(IReadOnlyList<string> Owners) : INoSerializationVerificationNeeded;

    private sealed record Republish : INoSerializationVerificationNeeded
    {
        public static readonly Republish Instance = new();
        private Republish() { }
    }

    private sealed record Sweep : INoSerializationVerificationNeeded
    {
        public static readonly Sweep Instance = new();
        private Sweep() { }
    }
}
