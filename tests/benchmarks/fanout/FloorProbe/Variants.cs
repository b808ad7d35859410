namespace FloorProbe;

/// <summary>How a probe connection connects.</summary>
internal enum ConnectKind
{
    /// <summary><c>Socket.ConnectAsync(EndPoint)</c>, the Task overload.</summary>
    Task,

    /// <summary><c>Socket.ConnectAsync(EndPoint, CancellationToken)</c>, the ValueTask overload (the downloader's).</summary>
    ValueTask,

    /// <summary>A synchronous connect on a blocking socket, then async receives.</summary>
    Blocking,

    /// <summary><c>Blocking = false</c>, a synchronous connect that throws InProgress, then a zero-byte send awaited.</summary>
    NonBlocking,

    /// <summary>As NonBlocking, but <c>Poll(0, SelectWrite)</c> first, awaiting only when not yet connected.</summary>
    NonBlockingPoll,
}

/// <summary>What a probe socket binds before it connects.</summary>
internal enum LocalBind
{
    /// <summary>Nothing: connect() picks the local port.</summary>
    None,

    /// <summary>127.0.0.1 with IP_BIND_ADDRESS_NO_PORT: the port still chosen at connect().</summary>
    NoPort,

    /// <summary>127.0.0.1:20000+i, SO_REUSEADDR: no port search at all.</summary>
    DistinctPorts,
}

/// <summary>One way of running the probe's N connections.</summary>
internal sealed record Variant(string Description)
{
    public int Threads { get; init; } = 1;

    public bool Halves { get; init; }

    public bool Premade { get; init; }

    public bool Saea { get; init; }

    public ConnectKind Connect { get; init; } = ConnectKind.Task;

    public LocalBind Bind { get; init; } = LocalBind.None;

    public bool NoDelay { get; init; }

    public bool AbortiveClose { get; init; }

    public bool Slab { get; init; }

    public int MinWorkerThreads { get; init; }
}

/// <summary>The variants by name: each is tasks or tasks2 with one thing changed, unless it says otherwise.</summary>
internal static class Variants
{
    private static readonly Variant Tasks2 = new("connects from 2 threads, half each") { Threads = 2, Halves = true };

    public static readonly IReadOnlyDictionary<string, Variant> All = new Dictionary<string, Variant>
    {
        ["tasks"] = new("one async method per connection (ConnectAsync Task, ReceiveAsync 4 KB), connects from 1 thread"),
        ["tasks2"] = Tasks2,
        ["tasks-premade"] = new("tasks, every socket created before the clock starts (not fair: the client creates them per download)") { Premade = true },
        ["tasks2-premade"] = Tasks2 with { Description = "tasks2, sockets created before the clock (not fair)", Premade = true },
        ["saea"] = new("SocketAsyncEventArgs per connection, callbacks, 1 thread") { Saea = true },
        ["saea2"] = new("saea from 2 threads") { Saea = true, Threads = 2 },
        ["threads4"] = new("tasks, connects from 4 dedicated threads, interleaved") { Threads = 4 },
        ["threads16"] = new("tasks, connects from 16 dedicated threads, interleaved") { Threads = 16 },
        ["vtask2"] = Tasks2 with { Description = "tasks2 with ConnectAsync(EndPoint, CancellationToken), the ValueTask overload", Connect = ConnectKind.ValueTask },
        ["nodelay2"] = Tasks2 with { Description = "tasks2 with NoDelay on, as the C client", NoDelay = true },
        ["linger2"] = Tasks2 with { Description = "tasks2 with LingerState (on, 0), as the C client: the close sends RST, no TIME_WAIT at the server", AbortiveClose = true },
        ["linger16"] = new("threads16 with LingerState (on, 0)") { Threads = 16, AbortiveClose = true },
        ["noport2"] = Tasks2 with { Description = "tasks2, bind 127.0.0.1 with IP_BIND_ADDRESS_NO_PORT first", Bind = LocalBind.NoPort },
        ["ports2"] = Tasks2 with { Description = "tasks2, bind 127.0.0.1:20000+i (SO_REUSEADDR) first", Bind = LocalBind.DistinctPorts },
        ["slab2"] = Tasks2 with { Description = "tasks2, receiving into slices of one preallocated slab", Slab = true },
        ["minthreads2"] = Tasks2 with { Description = "tasks2 with ThreadPool.SetMinThreads(16)", MinWorkerThreads = 16 },
        ["blocking"] = new("blocking synchronous Connect (loopback: no wait), then async receives; 1 thread") { Connect = ConnectKind.Blocking },
        ["blocking2"] = Tasks2 with { Description = "blocking from 2 threads", Connect = ConnectKind.Blocking },
        ["nonblock2"] = Tasks2 with { Description = "tasks2, Blocking=false, Connect throws InProgress, zero-byte SendAsync awaited", Connect = ConnectKind.NonBlocking },
        ["nbpoll2"] = Tasks2 with { Description = "nonblock2, Poll(0) first and await only if not yet writable", Connect = ConnectKind.NonBlockingPoll },
    };
}
