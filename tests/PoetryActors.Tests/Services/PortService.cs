using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using PoetryActors.Services;

namespace PoetryActors.Tests.Services;

/// <summary>
/// What every incarnation of a <see cref="PortService"/> shares with its test: which starts are
/// held back (their port already bound, as a listener binds before it asks its sibling for the
/// poem), how long a stop takes, and which ports are still open.
/// </summary>
public sealed class PortServiceControl
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _held = new();
    private int _starts;

    /// <summary>How long each stop takes before the port is closed.</summary>
    public TimeSpan StopTakes { get; init; } = TimeSpan.Zero;

    /// <summary>The ports bound and not yet closed.</summary>
    public ConcurrentDictionary<int, bool> Open { get; } = new();

    /// <summary>Start number <paramref name="start"/> (1 for the first) waits, once bound, until <see cref="Release"/>.</summary>
    public void Hold(int start) => _held[start] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held start number <paramref name="start"/> finish.</summary>
    public void Release(int start) => _held[start].TrySetResult();

    internal int NextStart() => Interlocked.Increment(ref _starts);

    internal Task GateOf(int start) => _held.TryGetValue(start, out var gate) ? gate.Task : Task.CompletedTask;
}

/// <summary>
/// A real <see cref="ServiceActor"/> that listens on a loopback port while it runs (bound at the
/// start of its start, closed by its stop), for the collection faults that leave a port open.
/// It tells the probe <see cref="Bound"/> and <see cref="Closed"/>; <see cref="Crash"/> makes it throw.
/// </summary>
public sealed class PortService(PortServiceControl control, IActorRef probe) : ServiceActor
{
    private TcpListener? _listener;
    private int _port;

    public static Props Props(PortServiceControl control, IActorRef probe) =>
        Akka.Actor.Props.Create(() => new PortService(control, probe));

    public sealed record Bound(string Name, int Start, int Port);

    public sealed record Closed(string Name, int Port);

    public sealed record Crash
    {
        public static readonly Crash Instance = new();
        private Crash() { }
    }

    protected override async Task StartServiceAsync()
    {
        var start = control.NextStart();
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        control.Open[_port] = true;
        probe.Tell(new Bound(Name, start, _port));
        await control.GateOf(start);
    }

    protected override async Task StopServiceAsync()
    {
        if (control.StopTakes > TimeSpan.Zero)
        {
            await Task.Delay(control.StopTakes);
        }

        _listener?.Stop();
        control.Open.TryRemove(_port, out _);
        probe.Tell(new Closed(Name, _port));
    }

    protected override void OnServiceMessage(object message)
    {
        if (message is Crash)
        {
            throw new InvalidOperationException($"{Name} crashed on purpose");
        }

        Unhandled(message);
    }
}
