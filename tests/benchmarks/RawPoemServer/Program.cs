// A minimal raw .NET async socket poem server: the baseline the poem benchmark measures
// poetry-node against. One accept loop on Socket.AcceptAsync; each connection gets the
// whole poem through SendAsync and is closed. No actors, no logging per connection.
//
//   dotnet RawPoemServer.dll --poem poetry/ecstasy.txt [--port 0] [--iface 127.0.0.1] [--backlog 512]
//
// Prints exactly one line, "listening on <port>", once bound; SIGINT/SIGTERM exit 0.
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

var port = 0;
var iface = "127.0.0.1";
var backlog = 512;
string? poemPath = null;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when value is not null: port = int.Parse(value); i++; break;
        case "--iface" when value is not null: iface = value; i++; break;
        case "--backlog" when value is not null: backlog = int.Parse(value); i++; break;
        case "--poem" when value is not null: poemPath = value; i++; break;
        case "--help" or "-h":
            Console.WriteLine("usage: RawPoemServer --poem FILE [--port 0] [--iface 127.0.0.1] [--backlog 512]");
            return 0;
        default:
            Console.Error.WriteLine($"RawPoemServer: unexpected argument '{args[i]}' (try --help)");
            return 2;
    }
}
if (poemPath is null)
{
    Console.Error.WriteLine("RawPoemServer: --poem FILE is required");
    return 2;
}

var poem = File.ReadAllBytes(poemPath);
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
    _ = ServeAsync(client, poem);
}

static async Task ServeAsync(Socket client, ReadOnlyMemory<byte> poem)
{
    try
    {
        while (!poem.IsEmpty)
        {
            var sent = await client.SendAsync(poem, SocketFlags.None);
            poem = poem[sent..];
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
