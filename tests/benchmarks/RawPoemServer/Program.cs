// A minimal raw .NET async socket poem server: the baseline the poem benchmark measures
// poetry-node against. One accept loop on Socket.AcceptAsync; each connection gets the
// whole poem through SendAsync and is closed. No actors, no logging per connection.
// --delay S keeps each connection open S seconds after the poem before closing it (the slow
// poem burst's baseline); --transform answers the transform protocol instead (reads one
// netstring "N:name.text,", replies with the netstring of the text in lower case, which is
// what cummingsify does to an ASCII poem, and closes; the transform benchmark's baseline).
//
//   dotnet RawPoemServer.dll --poem poetry/ecstasy.txt [--port 0] [--iface 127.0.0.1] [--backlog 512] [--delay S]
//   dotnet RawPoemServer.dll --transform [--port 0] [--iface 127.0.0.1] [--backlog 512]
//
// Prints exactly one line, "listening on <port>", once bound; SIGINT/SIGTERM exit 0.
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

var port = 0;
var iface = "127.0.0.1";
var backlog = 512;
string? poemPath = null;
var delay = TimeSpan.Zero;
var transform = false;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when value is not null: port = int.Parse(value); i++; break;
        case "--iface" when value is not null: iface = value; i++; break;
        case "--backlog" when value is not null: backlog = int.Parse(value); i++; break;
        case "--poem" when value is not null: poemPath = value; i++; break;
        case "--delay" when value is not null: delay = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)); i++; break;
        case "--transform": transform = true; break;
        case "--help" or "-h":
            Console.WriteLine("usage: RawPoemServer (--poem FILE [--delay S] | --transform) [--port 0] [--iface 127.0.0.1] [--backlog 512]");
            return 0;
        default:
            Console.Error.WriteLine($"RawPoemServer: unexpected argument '{args[i]}' (try --help)");
            return 2;
    }
}
if (poemPath is null && !transform)
{
    Console.Error.WriteLine("RawPoemServer: --poem FILE (or --transform) is required");
    return 2;
}

var poem = poemPath is null ? [] : File.ReadAllBytes(poemPath);
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Parse(iface), port));
listener.Listen(backlog);
Console.WriteLine($"listening on {((IPEndPoint)listener.LocalEndPoint!).Port}");
Console.Out.Flush();

using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true; // we exit on our own, cleanly
    stopping.Cancel();
}
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

while (true)
{
    Socket client;
    try
    {
        client = await listener.AcceptAsync(stopping.Token);
    }
    catch (OperationCanceledException)
    {
        return 0;
    }
    catch (SocketException)
    {
        continue; // e.g. the peer reset before we accepted it
    }
    _ = transform ? TransformAsync(client) : ServeAsync(client, poem, delay);
}

static async Task ServeAsync(Socket client, ReadOnlyMemory<byte> poem, TimeSpan delay)
{
    try
    {
        while (!poem.IsEmpty)
        {
            var sent = await client.SendAsync(poem, SocketFlags.None);
            poem = poem[sent..];
        }
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }
    }
    catch (SocketException)
    {
        // The client went away: nothing to do but close.
    }
    finally
    {
        client.Dispose();
    }
}

// One netstring request in, the lower-cased text after its "name." out as a netstring, close.
static async Task TransformAsync(Socket client)
{
    try
    {
        var buffer = new byte[8192];
        var filled = 0;
        var length = -1;
        var header = 0;
        while (length < 0 || filled < header + length + 1)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0)
            {
                return;
            }
            filled += read;
            if (length < 0 && Array.IndexOf(buffer, (byte)':', 0, filled) is var colon and >= 0)
            {
                length = int.Parse(buffer.AsSpan(0, colon));
                header = colon + 1;
            }
        }
        var body = buffer.AsSpan(header, length);
        var text = body[(body.IndexOf((byte)'.') + 1)..];
        var reply = new byte[text.Length + 16];
        var prefix = System.Text.Encoding.ASCII.GetBytes($"{text.Length}:");
        prefix.CopyTo(reply, 0);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            reply[prefix.Length + i] = c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c + 32) : c;
        }
        reply[prefix.Length + text.Length] = (byte)',';
        var left = reply.AsMemory(0, prefix.Length + text.Length + 1);
        while (!left.IsEmpty)
        {
            left = left[await client.SendAsync(left, SocketFlags.None)..];
        }
    }
    catch (SocketException)
    {
        // The client went away.
    }
    finally
    {
        client.Dispose();
    }
}
