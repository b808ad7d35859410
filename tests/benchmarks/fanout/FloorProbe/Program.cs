// The .NET floor of the fan-out benchmark: N connections opened at once to the fan-out server's
// ports and each read to its close, with the plainest async socket code and nothing else (no
// actors, no timeouts, no aggregation), so that poetry-node get's figure can be set against what
// .NET itself does on the same box. Every variant uses supported .NET APIs only (no P/Invoke).
// Variants (run-floor-probe.sh runs them side by side; `--help` lists them):
//   tasks           one async method per connection: Socket.ConnectAsync, then ReceiveAsync into a
//                   4 KB array until 0 (what a .NET developer writes first); connects from 1 thread
//   tasks2          as tasks, the connects started from 2 threads, half each
//   saea            SocketAsyncEventArgs per connection, callbacks, no Task at all; 1 thread
//   ...             the rest are tasks/tasks2 with one thing changed: see Variants below
// Usage: fanout-floor-probe --variant V --count N PORT...
// Prints: variant=V count=N ok=K first_to_last_connect_s=X fanout_s=Y gc=G0/G1/G2 allocated_mb=M
// fanout_s runs from just before the first socket is created (or, for the *-premade variants, the
// first connect: those create every socket before the clock, which the real client cannot do) to
// the last close.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FloorProbe;

var variantName = "tasks";
var count = 1000;
var ports = new List<int>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--variant": variantName = args[++i]; break;
        case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--help":
            foreach (var (name, v) in Variants.All)
            {
                Console.WriteLine($"{name,-16} {v.Description}");
            }

            return 0;
        default: ports.Add(int.Parse(args[i], CultureInfo.InvariantCulture)); break;
    }
}

if (!Variants.All.TryGetValue(variantName, out var variant))
{
    Console.Error.WriteLine($"unknown variant {variantName}; --help lists them");
    return 2;
}

if (variant.MinWorkerThreads > 0)
{
    ThreadPool.GetMinThreads(out _, out var io);
    ThreadPool.SetMinThreads(variant.MinWorkerThreads, io);
}

var endpoints = Enumerable.Range(0, count).Select(i => new IPEndPoint(IPAddress.Loopback, ports[(i * 7 + i / 5) % ports.Count])).ToArray();
var lengths = new int[count];
long firstConnect = 0, lastConnect = 0;
var clock = Stopwatch.StartNew();

// One slab for every receive buffer (the "slab" variant): no array allocated per connection.
var slab = variant.Slab ? new byte[count * 4096] : [];
var premade = variant.Premade ? Enumerable.Range(0, count).Select(_ => NewSocket(variant, 0)).ToArray() : [];

void Connected()
{
    var now = clock.ElapsedTicks;
    Interlocked.CompareExchange(ref firstConnect, now, 0);
    long seen;
    do
    {
        seen = Interlocked.Read(ref lastConnect);
    }
    while (now > seen && Interlocked.CompareExchange(ref lastConnect, now, seen) != seen);
}

static Socket NewSocket(Variant variant, int index)
{
    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    if (variant.NoDelay)
    {
        socket.NoDelay = true;
    }

    if (variant.AbortiveClose)
    {
        socket.LingerState = new LingerOption(true, 0);
    }

    switch (variant.Bind)
    {
        case LocalBind.NoPort:
            // IP_BIND_ADDRESS_NO_PORT (24): bind() takes the address only and leaves the port to
            // connect(), which may then share one with other destinations.
            socket.SetRawSocketOption(0, 24, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            break;
        case LocalBind.DistinctPorts:
            // Below Linux's default ephemeral range (32768-60999): an explicit port per connection,
            // so connect() searches for nothing.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 20000 + index));
            break;
        case LocalBind.None:
            break;
    }

    if (variant.Connect is ConnectKind.NonBlocking or ConnectKind.NonBlockingPoll)
    {
        socket.Blocking = false;
    }

    return socket;
}

async Task FetchAsync(int index)
{
    using var socket = variant.Premade ? premade[index] : NewSocket(variant, index);
    var endpoint = endpoints[index];
    switch (variant.Connect)
    {
        case ConnectKind.Task:
            await socket.ConnectAsync(endpoint);
            break;
        case ConnectKind.ValueTask:
            await socket.ConnectAsync(endpoint, CancellationToken.None);
            break;
        case ConnectKind.Blocking:
            // A blocking connect: on loopback the handshake runs inside the system call, so it
            // does not wait; to a remote host it would hold the thread for a round trip or more.
            socket.Connect(endpoint);
            break;
        case ConnectKind.NonBlocking:
        case ConnectKind.NonBlockingPoll:
            try
            {
                socket.Connect(endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // Connected when writable: poll(0) first (NonBlockingPoll), else a zero-byte send,
                // which waits for the connection's end and reports its error.
                if (variant.Connect is ConnectKind.NonBlocking || !socket.Poll(0, SelectMode.SelectWrite))
                {
                    await socket.SendAsync(ReadOnlyMemory<byte>.Empty, SocketFlags.None);
                }
            }

            break;
    }

    Connected();
    var buffer = variant.Slab ? slab : new byte[4096];
    var start = variant.Slab ? index * 4096 : 0;
    var total = 0;
    int read;
    while ((read = await socket.ReceiveAsync(buffer.AsMemory(start + total, (variant.Slab ? 4096 : buffer.Length) - total), SocketFlags.None)) > 0)
    {
        total += read;
        if (total == 4096)
        {
            if (variant.Slab)
            {
                throw new InvalidOperationException("a poem of more than 4 KB in the slab variant");
            }

            Array.Resize(ref buffer, buffer.Length * 2);
        }
    }

    lengths[index] = total;
}

void StartSaea(int index, TaskCompletionSource done, StrongBox<int> left)
{
    var socket = variant.Premade ? premade[index] : NewSocket(variant, index);
    var e = new SocketAsyncEventArgs { RemoteEndPoint = endpoints[index] };
    var buffer = new byte[4096];
    var total = 0;
    void Step(SocketAsyncEventArgs args)
    {
        while (true)
        {
            if (args.LastOperation == SocketAsyncOperation.Connect)
            {
                Connected();
            }
            else if (args.BytesTransferred > 0)
            {
                total += args.BytesTransferred;
            }
            else
            {
                lengths[index] = total;
                socket.Dispose();
                args.Dispose();
                if (Interlocked.Decrement(ref left.Value) == 0)
                {
                    done.SetResult();
                }

                return;
            }

            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            args.SetBuffer(buffer, total, buffer.Length - total);
            if (socket.ReceiveAsync(args))
            {
                return;
            }
        }
    }

    e.Completed += (_, args) => Step(args);
    if (!socket.ConnectAsync(e))
    {
        Step(e);
    }
}

var gc0 = GC.CollectionCount(0);
var gc1 = GC.CollectionCount(1);
var gc2 = GC.CollectionCount(2);
clock.Restart();
var threads = variant.Threads;
if (variant.Saea)
{
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var left = new StrongBox<int>(count);
    var others = Enumerable.Range(1, threads - 1).Select(t => new Thread(() =>
    {
        for (var i = t; i < count; i += threads)
        {
            StartSaea(i, done, left);
        }
    })).ToArray();
    foreach (var thread in others)
    {
        thread.Start();
    }

    for (var i = 0; i < count; i += threads)
    {
        StartSaea(i, done, left);
    }

    foreach (var thread in others)
    {
        thread.Join();
    }

    await done.Task;
}
else
{
    // Connection i is started by thread i mod T (thread 0 being this one): interleaved, so that
    // every thread connects to the same mix of ports. tasks2 has always split the range in halves;
    // it keeps doing so.
    var tasks = new Task[count];
    var halves = variant.Halves;
    IEnumerable<int> Share(int t) => halves
        ? Enumerable.Range(t * count / threads, ((t + 1) * count / threads) - (t * count / threads))
        : Enumerable.Range(0, (count - t + threads - 1) / threads).Select(k => t + (k * threads));
    var others = Enumerable.Range(1, threads - 1).Select(t => new Thread(() =>
    {
        foreach (var i in Share(t))
        {
            tasks[i] = FetchAsync(i);
        }
    })).ToArray();
    foreach (var thread in others)
    {
        thread.Start();
    }

    foreach (var i in Share(0))
    {
        tasks[i] = FetchAsync(i);
    }

    foreach (var thread in others)
    {
        thread.Join();
    }

    await Task.WhenAll(tasks);
}

var elapsed = clock.Elapsed.TotalSeconds;
var ok = lengths.Count(l => l > 0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"variant={variantName} count={count} ok={ok} first_to_last_connect_s={(lastConnect - firstConnect) / (double)Stopwatch.Frequency:0.000} fanout_s={elapsed:0.000} gc={GC.CollectionCount(0) - gc0}/{GC.CollectionCount(1) - gc1}/{GC.CollectionCount(2) - gc2} allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:0.0}"));
return ok == count ? 0 : 1;
