using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using PoetryActors.Download;
using PoetryActors.Services;
using static PoetryActors.Cluster.CatalogProtocol;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// Sends poems through the cluster's transform providers (<c>/user/cluster-transforms</c> on a
/// member; one per <c>get --cluster --transform</c> in a client). Each <see cref="RouteTransform"/>
/// goes to the live provider with the fewest requests in flight (ties taken in turn), members with
/// the <c>transform</c> role first, in parts no larger than
/// <see cref="ClusterTransformSettings.PartBytes"/>, and is answered with a
/// <see cref="RoutedTransform"/>: the transformed poem, or a failure with the reason (the
/// requester then keeps the original poem). Every request is bounded by its download's idle
/// timeout (between two answers) and what remains of its deadline. A provider is watched: when its
/// actor stops, its member becomes unreachable or the connection to it is lost, the requests in
/// flight there fail at once and later ones go to the others; with none left, every request fails
/// at once saying so. Answers that are late, out of order, too large or from a stranger fail the
/// request or are dropped, never a crash. On a member it reads the providers from the local
/// catalog every <see cref="ClusterTransformSettings.RefreshInterval"/> and follows reachability;
/// in a client the providers are given (from the catalog it asked) and only ever go.
/// </summary>
internal sealed class TransformRouterActor : UntypedActor, IWithTimers
{
    /// <summary>The router's name under <c>/user</c> on a member.</summary>
    public const string ActorName = "cluster-transforms";

    private readonly ClusterTransformSettings _settings;
    private readonly bool _member;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, ProviderState> _providers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Pending> _pending = [];
    // Parts waiting to leave, per provider, until the requests already in the mailbox have been
    // taken (see Flush): a burst goes out packed into a few messages instead of one each.
    private readonly Dictionary<ProviderState, List<TransformPart>> _outbox = [];
    private long _lastRequestId;
    private int _turn;

    /// <summary>A router among <paramref name="providers"/>, or, when null, a member's router that reads them from its catalog.</summary>
    public TransformRouterActor(ClusterTransformSettings settings, IReadOnlyList<TransformProvider>? providers)
    {
        _settings = settings;
        _member = providers is null;
        foreach (var provider in providers ?? [])
        {
            _providers[provider.ActorPath] = new ProviderState(provider);
        }
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A member's router: it finds the providers in the local catalog (<c>/user/catalog</c>) and follows the cluster's reachability.</summary>
    public static Props ForMember(ClusterTransformSettings settings) => ConstructorProps.Of(() => new TransformRouterActor(settings, null));

    /// <summary>A router among <paramref name="providers"/> only (a client outside the cluster, from the catalog it asked).</summary>
    public static Props ForProviders(ClusterTransformSettings settings, IReadOnlyList<TransformProvider> providers) =>
        ConstructorProps.Of(() => new TransformRouterActor(settings, providers));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        Context.System.EventStream.Subscribe(Self, typeof(AssociationErrorEvent));
        foreach (var provider in _providers.Values)
        {
            Identify(provider);
        }

        if (!_member)
        {
            return;
        }

        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer("refresh", Refresh.Instance, TimeSpan.Zero, _settings.RefreshInterval);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (_member)
        {
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        }

        foreach (var id in _pending.Keys.ToList())
        {
            Fail(id, "the cluster's transform router stopped");
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RouteTransform route:
                HandleRoute(route, Sender);
                break;
            case TransformedPart part:
                HandleTransformedPart(part, Sender);
                break;
            case TransformedParts batch:
                foreach (var part in batch.Parts)
                {
                    HandleTransformedPart(part, Sender);
                }

                break;
            case Flush:
                HandleFlush();
                break;
            case TransformRefused refused when _pending.TryGetValue(refused.RequestId, out var pending) && IsFrom(pending, Sender):
                Fail(refused.RequestId, $"the transform provider {pending.Provider.Provider} refused the poem: {refused.Reason}");
                break;
            case TransformRefused refused:
                _log.Debug("a refusal of request {0} that no longer waits (or from a stranger, {1})", refused.RequestId, Sender.Path);
                break;
            case RequestTimedOut timedOut when _pending.TryGetValue(timedOut.RequestId, out var pending):
                Fail(timedOut.RequestId, pending.DeadlineAt <= DateTime.UtcNow + TimeSpan.FromMilliseconds(1)
                    ? $"the transform provider {pending.Provider.Provider} did not answer before the deadline ({Seconds(pending.Clock.Elapsed)} after the request)"
                    : $"the transform provider {pending.Provider.Provider} sent nothing for {Seconds(pending.Idle)}");
                break;
            case RequestTimedOut:
                break;
            case IdentifyTimedOut timedOut when _providers.TryGetValue(timedOut.ActorPath, out var silent) && silent.Ref is null:
                Lose(p => ReferenceEquals(p, silent), $"it did not answer within the connect timeout of {Seconds(timedOut.After)}");
                break;
            case IdentifyTimedOut:
                break;
            case ActorIdentity identity:
                HandleIdentity(identity);
                break;
            case Terminated terminated:
                Lose(p => p.Ref is not null && p.Ref.Equals(terminated.ActorRef), "its transform service stopped");
                break;
            case DisassociatedEvent disassociated:
                Lose(p => p.Address == disassociated.RemoteAddress, "the connection to its member was lost");
                break;
            case AssociationErrorEvent error:
                Lose(p => p.Address == error.RemoteAddress, $"its member cannot be reached: {error.Cause?.GetBaseException().Message ?? "the connection failed"}");
                break;
            case ClusterEvent.UnreachableMember unreachable:
                Lose(p => p.Address == unreachable.Member.Address, "its member became unreachable");
                break;
            case ClusterEvent.ReachableMember reachable:
                foreach (var provider in _providers.Values.Where(p => p.Gone is not null && p.Address == reachable.Member.Address))
                {
                    Revive(provider);
                }

                break;
            case ClusterEvent.MemberRemoved removed:
                foreach (var provider in _providers.Values.Where(p => p.Address == removed.Member.Address).ToList())
                {
                    Remove(provider, "its member left the cluster");
                }

                break;
            case ClusterEvent.IClusterDomainEvent:
                break;
            case Refresh:
                ReadCatalog();
                break;
            case CatalogRead read:
                HandleProviders(ClusterTransforms.ProvidersIn(read.Catalog));
                break;
            case ProvidersChanged changed:
                HandleProviders(changed.Providers);
                break;
            case Status.Failure failure:
                _log.Debug("reading the catalog for transform providers failed: {0}", failure.Cause.Message);
                break;
            case GetProviders:
                Sender.Tell(new CurrentProviders(
                    _providers.Values.Where(p => p.Gone is null).Select(p => p.Provider).ToList(),
                    _providers.Values.Where(p => p.Gone is not null).Select(p => p.Provider).ToList()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void HandleRoute(RouteTransform route, IActorRef replyTo)
    {
        var clock = Stopwatch.StartNew();
        if (route.Poem.Length > _settings.MaxPoemBytes)
        {
            replyTo.Tell(new RoutedTransform(new TransformResult.Failed(
                $"the poem of {route.Poem.Length} bytes is more than the cluster's transforms take ({_settings.MaxPoemBytes} bytes, poetry.cluster.transforms.max-poem-bytes)", clock.Elapsed)));
            return;
        }
        if (route.TimeLeft <= TimeSpan.Zero)
        {
            replyTo.Tell(new RoutedTransform(new TransformResult.Failed("the deadline passed before the transform", clock.Elapsed)));
            return;
        }
        if (Choose() is not { } provider)
        {
            replyTo.Tell(new RoutedTransform(new TransformResult.Failed(NoProviderReason(), clock.Elapsed)));
            return;
        }

        var id = ++_lastRequestId;
        if (_log.IsDebugEnabled)
        {
            // Which provider took which request, and when (the time the choice was made: a log line
            // is stamped when it is written, later on a busy machine): the failover benchmark reads these.
            _log.Debug("request {0} goes to transform provider {1} ({2} in flight there) at {3}", id, provider.Provider, provider.InFlight, Stamp());
        }

        var idle = route.Limits.IdleTimeout;
        var pending = new Pending(replyTo, provider, clock, idle, DateTime.UtcNow + route.TimeLeft);
        _pending[id] = pending;
        provider.InFlight++;
        var parts = Math.Max(1, (route.Poem.Length + _settings.PartBytes - 1) / _settings.PartBytes);
        if (_outbox.Count == 0)
        {
            // Behind the requests already in the mailbox: they go out with this one.
            Self.Tell(Flush.Instance);
        }
        if (!_outbox.TryGetValue(provider, out var outgoing))
        {
            _outbox[provider] = outgoing = [];
        }

        for (var index = 0; index < parts; index++)
        {
            var start = index * _settings.PartBytes;
            var bytes = parts == 1 ? route.Poem : route.Poem.AsSpan(start, Math.Min(_settings.PartBytes, route.Poem.Length - start)).ToArray();
            outgoing.Add(new TransformPart(id, route.Transform, index, parts, bytes));
        }
        Arm(id, pending);

        // A provider that has not yet said it is there must do so within the connect timeout, as
        // a TCP transform server must accept the connection: a member that hangs before it ever
        // answered (stopped, or its connection never completing) fails its requests then.
        if (provider.Ref is null && !Timers.IsTimerActive(provider.Provider.ActorPath))
        {
            Timers.StartSingleTimer(provider.Provider.ActorPath, new IdentifyTimedOut(provider.Provider.ActorPath, route.Limits.ConnectTimeout), route.Limits.ConnectTimeout);
        }
    }

    /// <summary>Sends what waits in the outbox, packed per provider; parts of requests that failed meanwhile stay home.</summary>
    private void HandleFlush()
    {
        foreach (var (provider, parts) in _outbox)
        {
            var live = parts.Where(p => _pending.TryGetValue(p.RequestId, out var pending) && ReferenceEquals(pending.Provider, provider)).ToList();
            foreach (var message in TransformBatches.Pack(live, _settings.PartBytes))
            {
                provider.Send(Context, message, Self);
            }
        }

        _outbox.Clear();
    }

    private void HandleTransformedPart(TransformedPart part, IActorRef sender)
    {
        if (!_pending.TryGetValue(part.RequestId, out var pending) || !IsFrom(pending, sender))
        {
            // Too late (the request failed already), or not from the provider asked.
            _log.Debug("an answer to request {0} that no longer waits (or from a stranger, {1})", part.RequestId, sender.Path);
            return;
        }
        var provider = pending.Provider.Provider;
        if (part.Parts < 1 || part.Part != pending.Next || (pending.Parts is { } parts && parts != part.Parts))
        {
            Fail(part.RequestId, $"the transform provider {provider} sent a garbled answer (part {part.Part} of {part.Parts} where part {pending.Next} was due)");
            return;
        }
        if (pending.Received.Length + part.Bytes.Length > _settings.MaxPoemBytes)
        {
            Fail(part.RequestId, $"the transform provider {provider} answered with more than {_settings.MaxPoemBytes} bytes");
            return;
        }

        pending.Parts = part.Parts;
        pending.Received.Write(part.Bytes);
        pending.Next++;
        if (pending.Next < part.Parts)
        {
            Arm(part.RequestId, pending);
            return;
        }

        Settle(part.RequestId, pending);
        pending.ReplyTo.Tell(new RoutedTransform(new TransformResult.Transformed(pending.Received.ToArray(), pending.Clock.Elapsed) { Server = provider.Endpoint }));
    }

    private static bool IsFrom(Pending pending, IActorRef sender) =>
        sender.Path.ToStringWithAddress() == pending.Provider.Provider.ActorPath
        || (pending.Provider.Ref is { } known && known.Equals(sender))
        || sender.Path.Address == pending.Provider.Address && sender.Path.ToStringWithoutAddress() == pending.Provider.PathWithoutAddress;

    /// <summary>The live provider with the fewest requests in flight, role members first; ties are taken in turn.</summary>
    private ProviderState? Choose()
    {
        var live = _providers.Values.Where(p => p.Gone is null).ToList();
        if (live.Any(p => p.Provider.HasTransformRole))
        {
            live = live.Where(p => p.Provider.HasTransformRole).ToList();
        }

        if (live.Count == 0)
        {
            return null;
        }

        var fewest = live.Min(p => p.InFlight);
        var candidates = live.Where(p => p.InFlight == fewest).ToList();
        return candidates[(int)((uint)_turn++ % (uint)candidates.Count)];
    }

    private string NoProviderReason()
    {
        var gone = _providers.Values.Where(p => p.Gone is not null).ToList();
        return gone.Count == 0
            ? "no member of the cluster runs a transform service (none with the role 'transform' or the kind 'transform' in the catalog)"
            : $"no transform provider of the cluster is left: {string.Join("; ", gone.Select(p => $"{p.Provider} went away ({p.Gone})"))}";
    }

    private void Arm(long id, Pending pending)
    {
        var left = pending.DeadlineAt - DateTime.UtcNow;
        var wait = left < pending.Idle ? left : pending.Idle;
        Timers.StartSingleTimer(id, new RequestTimedOut(id), wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
    }

    private void Settle(long id, Pending pending)
    {
        _pending.Remove(id);
        Timers.Cancel(id);
        pending.Provider.InFlight = Math.Max(0, pending.Provider.InFlight - 1);
    }

    private void Fail(long id, string reason)
    {
        if (!_pending.TryGetValue(id, out var pending))
        {
            return;
        }

        Settle(id, pending);
        pending.ReplyTo.Tell(new RoutedTransform(new TransformResult.Failed(reason, pending.Clock.Elapsed) { Server = pending.Provider.Provider.Endpoint }));
    }

    private void Lose(Func<ProviderState, bool> which, string why)
    {
        foreach (var provider in _providers.Values.Where(p => p.Gone is null && which(p)).ToList())
        {
            provider.Gone = why;
            provider.GoneAt = DateTime.UtcNow;
            if (provider.Ref is { } watched)
            {
                Context.Unwatch(watched);
            }

            provider.Ref = null;
            var inFlight = _pending.Where(p => ReferenceEquals(p.Value.Provider, provider)).Select(p => p.Key).ToList();
            _log.Warning("transform provider {0} went away ({1}); {2} requests in flight there fail, later ones go to the {3} others",
                provider.Provider, why, inFlight.Count, _providers.Values.Count(p => p.Gone is null));
            if (_log.IsDebugEnabled)
            {
                _log.Debug("transform provider {0} dropped at {1}", provider.Provider, Stamp());
            }
            foreach (var id in inFlight)
            {
                Fail(id, $"the transform provider {provider.Provider} went away in the middle of the request ({why})");
            }
        }
    }

    private void Remove(ProviderState provider, string why)
    {
        Lose(p => ReferenceEquals(p, provider), why);
        _providers.Remove(provider.Provider.ActorPath);
    }

    /// <summary>Asks a provider that went whether it is there again; it is chosen again only once it answers.</summary>
    private void Revive(ProviderState provider) => Identify(provider);

    private void Add(TransformProvider provider)
    {
        var state = new ProviderState(provider);
        _providers[provider.ActorPath] = state;
        Identify(state);
    }

    private void Identify(ProviderState provider) =>
        Context.ActorSelection(provider.Provider.ActorPath).Tell(new Identify(provider.Provider.ActorPath), Self);

    private void HandleIdentity(ActorIdentity identity)
    {
        if (identity.MessageId is not string path || !_providers.TryGetValue(path, out var provider))
        {
            return;
        }

        if (identity.Subject is null)
        {
            Lose(p => ReferenceEquals(p, provider), "no transform service answers at its path");
            return;
        }
        if (provider.Gone is not null)
        {
            _log.Info("transform provider {0} is back", provider.Provider);
            provider.Gone = null;
        }
        if (provider.Ref is { } old && !old.Equals(identity.Subject))
        {
            Context.Unwatch(old);
        }

        provider.Ref = identity.Subject;
        Timers.Cancel(provider.Provider.ActorPath);
        Context.Watch(identity.Subject);
    }

    private void HandleProviders(IReadOnlyList<TransformProvider> listed)
    {
        var paths = listed.Select(p => p.ActorPath).ToHashSet(StringComparer.Ordinal);
        foreach (var provider in _providers.Values.Where(p => !paths.Contains(p.Provider.ActorPath)).ToList())
        {
            Remove(provider, "it left the catalog");
        }

        foreach (var provider in listed)
        {
            if (!_providers.TryGetValue(provider.ActorPath, out var known))
            {
                _log.Info("transform provider {0} joined", provider);
                Add(provider);
            }
            else if (known.Gone is not null && DateTime.UtcNow - known.GoneAt > _settings.RefreshInterval)
            {
                // Still listed by a catalog that shows only Up and reachable members: try it again.
                Revive(known);
            }
        }
    }

    private void ReadCatalog()
    {
        var catalog = Context.ActorSelection(Self.Path.Root / "user" / CatalogActor.ActorName);
        catalog.Ask<CurrentCatalog>(GetCatalog.Instance, _settings.RefreshInterval + _settings.RefreshInterval)
            .PipeTo(Self, success: c => new CatalogRead(c));
    }

    private static string Stamp() => DateTime.UtcNow.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    /// <summary>What the router knows of one provider.</summary>
    private sealed class ProviderState(TransformProvider provider)
    {
        public TransformProvider Provider { get; } = provider;
        public Address Address { get; } = ActorPath.Parse(provider.ActorPath).Address;
        public string PathWithoutAddress { get; } = ActorPath.Parse(provider.ActorPath).ToStringWithoutAddress();
        public IActorRef? Ref { get; set; }
        public int InFlight { get; set; }
        public string? Gone { get; set; }
        public DateTime GoneAt { get; set; }

        public void Send(IActorContext context, object message, IActorRef sender)
        {
            if (Ref is { } known)
            {
                known.Tell(message, sender);
            }
            else
            {
                context.ActorSelection(Provider.ActorPath).Tell(message, sender);
            }
        }
    }

    /// <summary>One request in flight.</summary>
    private sealed class Pending(IActorRef replyTo, ProviderState provider, Stopwatch clock, TimeSpan idle, DateTime deadlineAt)
    {
        public IActorRef ReplyTo { get; } = replyTo;
        public ProviderState Provider { get; } = provider;
        public Stopwatch Clock { get; } = clock;
        public TimeSpan Idle { get; } = idle;
        public DateTime DeadlineAt { get; } = deadlineAt;
        public MemoryStream Received { get; } = new();
        public int Next { get; set; }
        public int? Parts { get; set; }
    }

    private sealed record RequestTimedOut(long RequestId) : INoSerializationVerificationNeeded;

    private sealed record CatalogRead(CurrentCatalog Catalog) : INoSerializationVerificationNeeded;

    private sealed record IdentifyTimedOut(string ActorPath, TimeSpan After) : INoSerializationVerificationNeeded;

    private sealed record Flush : INoSerializationVerificationNeeded
    {
        public static readonly Flush Instance = new();
        private Flush() { }
    }

    private sealed record Refresh : INoSerializationVerificationNeeded
    {
        public static readonly Refresh Instance = new();
        private Refresh() { }
    }
}

/// <summary>The router's answer to a <see cref="RouteTransform"/>: the transformed poem, or why there is none. Local to one process.</summary>
internal sealed record RoutedTransform(TransformResult Result) : INoSerializationVerificationNeeded;
