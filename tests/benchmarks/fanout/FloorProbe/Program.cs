// The .NET floor of the fan-out benchmark: N connections opened at once to the fan-out server's
// ports and each read to its close, with the plainest async socket code and nothing else (no
// actors, no timeouts, no aggregation), so that poetry-node get's figure can be set against what
// .NET itself does on the same box. Variants:
//   tasks     one async method per connection: Socket.ConnectAsync, then ReceiveAsync into a
//             4 KB array until 0 (what a .NET developer writes first)
//   saea      SocketAsyncEventArgs per connection, callbacks, no Task at all
//   tasks2    as tasks, but the connects are started from 2 threads, half each
// Usage: fanout-floor-probe --variant tasks|saea|tasks2 --count N PORT...
// Prints: variant=V count=N ok=K first_to_last_connect_s=X fanout_s=Y gc=G0/G1/G2
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

var variant = "tasks";
var count = 1000;
var ports = new List<int>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--variant": variant = args[++i]; break;
        case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: ports.Add(int.Parse(args[i], CultureInfo.InvariantCulture)); break;
    }
}

var endpoints = Enumerable.Range(0, count).Select(i => new IPEndPoint(IPAddress.Loopback, ports[(i * 7 + i / 5) % ports.Count])).ToArray();
var lengths = new int[count];
long firstConnect = 0, lastConnect = 0;
var clock = Stopwatch.StartNew();

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

async Task FetchAsync(int index)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    await socket.ConnectAsync(endpoints[index]);
    Connected();
    var buffer = new byte[4096];
    var total = 0;
    int read;
    while ((read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None)) > 0)
    {
        total += read;
        if (total == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }
    }

    lengths[index] = total;
}

Task RunSaea()
{
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var left = count;
    for (var i = 0; i < count; i++)
    {
        var index = i;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
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
                    if (Interlocked.Decrement(ref left) == 0)
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

    return done.Task;
}

var gc0 = GC.CollectionCount(0);
var gc1 = GC.CollectionCount(1);
var gc2 = GC.CollectionCount(2);
clock.Restart();
switch (variant)
{
    case "tasks":
        {
            var tasks = new Task[count];
            for (var i = 0; i < count; i++)
            {
                tasks[i] = FetchAsync(i);
            }

            await Task.WhenAll(tasks);
            break;
        }
    case "tasks2":
        {
            var tasks = new Task[count];
            var half = count / 2;
            var other = new Thread(() =>
            {
                for (var i = half; i < count; i++)
                {
                    tasks[i] = FetchAsync(i);
                }
            });
            other.Start();
            for (var i = 0; i < half; i++)
            {
                tasks[i] = FetchAsync(i);
            }

            other.Join();
            await Task.WhenAll(tasks);
            break;
        }
    case "saea":
        await RunSaea();
        break;
    default:
        throw new ArgumentException($"unknown variant {variant}");
}

var elapsed = clock.Elapsed.TotalSeconds;
var ok = lengths.Count(l => l > 0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"variant={variant} count={count} ok={ok} first_to_last_connect_s={(lastConnect - firstConnect) / (double)Stopwatch.Frequency:0.000} fanout_s={elapsed:0.000} gc={GC.CollectionCount(0) - gc0}/{GC.CollectionCount(1) - gc1}/{GC.CollectionCount(2) - gc2} allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:0.0}"));
return ok == count ? 0 : 1;
