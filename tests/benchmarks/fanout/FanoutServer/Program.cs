using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// The fan-out benchmark's server: on every port it listens on, each accepted connection waits
// --delay (1 s) from its accept, then receives the poem of that port (exactly --bytes bytes) and
// a clean close.
// Each port serves its own variant of the poem (tagged "[k]" on its first line), so that a client
// that prints poems in the wrong order is caught. It accepts with many pending accepts per port,
// so that ten thousand connections arriving at once never overflow the kernel's accept queue.
// Usage: fanout-server --poem FILE [--bytes 3000] [--ports 4] [--delay 1] [--dump DIR]
// Prints "listening on P1 P2 ..." once every port is bound; runs until stdin closes or SIGTERM.

var options = Options.Parse(args);
var source = File.ReadAllBytes(options.Poem);
var listeners = new List<Socket>();
var poems = new List<byte[]>();
for (var k = 0; k < options.Ports; k++)
{
    var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    listener.Listen(65535);
    listeners.Add(listener);
    poems.Add(Variant(source, k, options.Bytes));
}

if (options.Dump is { } dump)
{
    Directory.CreateDirectory(dump);
    for (var k = 0; k < poems.Count; k++)
        File.WriteAllBytes(Path.Combine(dump, $"{((IPEndPoint)listeners[k].LocalEndPoint!).Port}.txt"), poems[k]);
}

using var stop = new CancellationTokenSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
long served = 0;
var loops = new List<Task>();
for (var k = 0; k < listeners.Count; k++)
{
    // Accepted connections wait in a queue in accept order; one sender per port sends each poem
    // when its connection's delay is up. A timer per connection would cost the server more than
    // the clients being measured, on the same two cores.
    var waiting = new ConcurrentQueue<(Socket Connection, long DueAt)>();
    for (var pending = 0; pending < 16; pending++)
        loops.Add(AcceptAsync(listeners[k], waiting));
    loops.Add(SendWhenDueAsync(waiting, poems[k]));
}

Console.WriteLine("listening on " + string.Join(' ', listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port)));
_ = Task.Run(() =>
{
    // The driver ends the server by closing its stdin (or with SIGTERM).
    Console.In.ReadToEnd();
    stop.Cancel();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

foreach (var listener in listeners) listener.Dispose();
Console.Error.WriteLine($"fanout-server: served {Interlocked.Read(ref served)} poems");
return 0;

async Task AcceptAsync(Socket listener, ConcurrentQueue<(Socket, long)> waiting)
{
    var delay = (long)options.Delay.TotalMilliseconds;
    while (!stop.IsCancellationRequested)
    {
        Socket connection;
        try
        {
            connection = await listener.AcceptAsync(stop.Token);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            return;
        }

        waiting.Enqueue((connection, Environment.TickCount64 + delay));
    }
}

async Task SendWhenDueAsync(ConcurrentQueue<(Socket Connection, long DueAt)> waiting, byte[] poem)
{
    while (!stop.IsCancellationRequested)
    {
        if (!waiting.TryPeek(out var next) || next.DueAt > Environment.TickCount64)
        {
            try
            {
                await Task.Delay(1, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            continue;
        }

        waiting.TryDequeue(out _);
        await ServeAsync(next.Connection, poem);
    }
}

async Task ServeAsync(Socket connection, byte[] poem)
{
    try
    {
        var rest = poem.AsMemory();
        while (!rest.IsEmpty)
            rest = rest[await connection.SendAsync(rest, SocketFlags.None, stop.Token)..];
        connection.Shutdown(SocketShutdown.Send);
        Interlocked.Increment(ref served);
    }
    catch (Exception e) when (e is SocketException or OperationCanceledException)
    {
    }
    finally
    {
        connection.Dispose();
    }
}

// Variant k: "[k] " before the poem, then cut or padded with spaces to exactly `bytes` bytes,
// ending with a newline.
static byte[] Variant(byte[] source, int k, int bytes)
{
    var tagged = Encoding.UTF8.GetBytes($"[{k}] ").Concat(source).ToArray();
    var poem = new byte[bytes];
    poem.AsSpan().Fill((byte)' ');
    tagged.AsSpan(0, Math.Min(tagged.Length, bytes - 1)).CopyTo(poem);
    poem[^1] = (byte)'\n';
    return poem;
}

internal sealed record Options(string Poem, int Bytes, int Ports, TimeSpan Delay, string? Dump)
{
    public static Options Parse(string[] args)
    {
        string? poem = null, dump = null;
        int bytes = 3000, ports = 4;
        var delay = TimeSpan.FromSeconds(1);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--poem": poem = args[i + 1]; break;
                case "--bytes": bytes = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--ports": ports = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--delay": delay = TimeSpan.FromSeconds(double.Parse(args[i + 1], CultureInfo.InvariantCulture)); break;
                case "--dump": dump = args[i + 1]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new Options(poem ?? throw new ArgumentException("--poem FILE is required"), bytes, ports, delay, dump);
    }
}
