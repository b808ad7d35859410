using System.Net;
using Akka.Actor;
using PoetryActors.Kinds;
using PoetryActors.Listening;
using PoetryActors.Services;
using Xunit;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Support;

/// <summary>
/// One service of a kind, built from option texts exactly as a deployment entry is, started in a
/// test's actor system, with the address its listener really bound (tests ask for port 0).
/// Disposing stops it, which closes its port.
/// </summary>
internal sealed class RunningKind : IAsyncDisposable
{
    private static int _count;
    private readonly TimeSpan _timeout;

    private RunningKind(IActorRef collection, IPEndPoint address, TimeSpan timeout)
    {
        Collection = collection;
        Address = address;
        _timeout = timeout;
    }

    public IActorRef Collection { get; }

    /// <summary>Where the listener accepts connections.</summary>
    public IPEndPoint Address { get; }

    /// <summary>The listener's address as the poetry programs write it.</summary>
    public NetAddress NetAddress => new(Address.Address.ToString(), Address.Port);

    public static async Task<RunningKind> StartAsync(ActorSystem system, ServiceKind kind, IReadOnlyDictionary<string, string> options, TimeSpan timeout)
    {
        var parsed = kind.Parse(options);
        Assert.True(parsed.Options is not null, string.Join("; ", parsed.Problems.Select(p => $"{p.Key}: {p.Message}")));
        var specs = kind.Build(parsed.Options!, system.Settings.Config);
        return await StartAsync(system, kind.Name, specs, timeout);
    }

    /// <summary>
    /// A collection of <paramref name="children"/> built by the test (one of them named
    /// <c>listener</c>), started as a kind's would be.
    /// </summary>
    public static async Task<RunningKind> StartAsync(ActorSystem system, string name, IReadOnlyList<ServiceSpec> children, TimeSpan timeout)
    {
        var collection = system.ActorOf(ServiceCollectionActor.Props(children), $"{name}-{Interlocked.Increment(ref _count)}");

        var started = await collection.Ask<object>(StartService.Instance, timeout);
        Assert.IsType<ServiceStarted>(started);
        var listener = await ServiceAsync(collection, "listener", timeout);
        var bound = await listener.Ask<ListenerProtocol.BoundTo>(ListenerProtocol.GetBoundAddress.Instance, timeout);
        return new RunningKind(collection, bound.Address, timeout);
    }

    /// <summary>The child service named <paramref name="name"/>.</summary>
    public Task<IActorRef> ServiceAsync(string name) => ServiceAsync(Collection, name, _timeout);

    private static async Task<IActorRef> ServiceAsync(IActorRef collection, string name, TimeSpan timeout)
    {
        var found = await collection.Ask<object>(new GetServiceNamed(name), timeout);
        return Assert.IsType<CurrentService>(found).Service;
    }

    public async ValueTask DisposeAsync()
    {
        try { await Collection.Ask<ServiceStopped>(StopService.Instance, _timeout); }
        finally { Collection.Tell(PoisonPill.Instance); }
    }
}
