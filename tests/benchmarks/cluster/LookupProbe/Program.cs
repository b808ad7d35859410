using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using PoetryActors.Cluster;
using static PoetryActors.Cluster.CatalogProtocol;

// One catalog lookup in a fresh process, each phase timed from the process's start (ms):
//   LookupProbe plain                an actor system without remoting (what a plain get starts), for comparison
//   LookupProbe remoting HOST:PORT   a remoting actor system, /user/catalog asked twice (cold, warm)
//   LookupProbe client HOST:PORT     the same through the cluster client and receptionist
//   LookupProbe http URL             GET URL/catalog.json (or URL itself when it ends in .json), no actor system
// One line on stdout: phase=ms pairs, for run-cluster-bench.sh --probe to collect.
var sinceStart = () => (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
var phases = new List<(string, double)> { ("main", sinceStart()) };
void Mark(string phase) => phases.Add((phase, sinceStart()));
var mode = args[0];
var contact = args.Length > 1 ? args[1] : "";
var quiet = ConfigurationFactory.ParseString("akka { loglevel = OFF, stdout-loglevel = OFF, log-dead-letters = off, coordinated-shutdown.run-by-clr-shutdown-hook = off }");
switch (mode)
{
    case "plain":
    {
        var system = ActorSystem.Create("poetry-get", quiet);
        Mark("system-started");
        await system.Terminate();
        Mark("terminated");
        break;
    }
    case "remoting":
    case "client":
    {
        var system = ActorSystem.Create("poetry-get", quiet.WithFallback(CatalogClient.Config()));
        Mark("remoting-started");
        if (mode == "remoting")
        {
            var catalog = system.ActorSelection($"akka.tcp://poetry@{contact}{ServicePath}");
            await catalog.Ask<CurrentCatalog>(GetCatalog.Instance, TimeSpan.FromSeconds(10));
            Mark("answer-cold");
            await catalog.Ask<CurrentCatalog>(GetCatalog.Instance, TimeSpan.FromSeconds(10));
            Mark("answer-warm");
        }
        else
        {
            var settings = ClusterClientSettings.Create(system)
                .WithInitialContacts(ImmutableHashSet.Create(ActorPath.Parse($"akka.tcp://poetry@{contact}/system/receptionist")));
            var client = system.ActorOf(ClusterClient.Props(settings));
            await client.Ask<CurrentCatalog>(new ClusterClient.Send(ServicePath, GetCatalog.Instance, localAffinity: true), TimeSpan.FromSeconds(10));
            Mark("answer-cold");
            await client.Ask<CurrentCatalog>(new ClusterClient.Send(ServicePath, GetCatalog.Instance, localAffinity: true), TimeSpan.FromSeconds(10));
            Mark("answer-warm");
        }
        await system.Terminate();
        Mark("terminated");
        break;
    }
    case "http":
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Mark("client-made");
        var url = contact.EndsWith(".json", StringComparison.Ordinal) ? new Uri(contact) : new Uri(new Uri(contact.EndsWith('/') ? contact : contact + "/"), "catalog.json");
        var text = await http.GetStringAsync(url);
        Mark("answer-cold");
        System.Text.Json.JsonDocument.Parse(text).Dispose();
        Mark("parsed");
        await http.GetStringAsync(url);
        Mark("answer-warm");
        break;
    }
    case "socket":
    {
        // The same GET over a plain socket (HTTP/1.0, read to the close): what the HTTP client's own machinery costs.
        var uri = new Uri(contact);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Parse(uri.Host), uri.Port);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET /catalog.json HTTP/1.0\r\nHost: {uri.Authority}\r\n\r\n"));
        using var body = new MemoryStream();
        var chunk = new byte[65536];
        int read;
        while ((read = await socket.ReceiveAsync(chunk)) > 0) body.Write(chunk, 0, read);
        Mark("answer-cold");
        var bytes = body.ToArray();
        var at = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        System.Text.Json.JsonDocument.Parse(bytes.AsMemory(at + 4)).Dispose();
        Mark("parsed");
        break;
    }
    default:
        Console.Error.WriteLine("usage: LookupProbe plain | remoting|client HOST:PORT | http|socket URL");
        return 2;
}
Console.WriteLine(string.Join(' ', phases.Select(p => $"{p.Item1}={p.Item2.ToString("0", CultureInfo.InvariantCulture)}")));
return 0;
