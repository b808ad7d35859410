using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PoetryActors.Hosting;
using PoetryActors.Instruments;

namespace PoetryNode.Status;

/// <summary>
/// The status endpoint's web server: Kestrel, from the ASP.NET Core shared framework, started as
/// one more hosted service of the node's Generic Host (so it shares its services, its log and its
/// lifetime), before the poetry services, so that <c>/readyz</c> answers 503 while they start.
/// It binds only the configured interface, speaks HTTP/1.1 within Kestrel's limits
/// (<see cref="StatusSettings"/>), and serves <see cref="StatusEndpoints"/>. A port that cannot be
/// bound fails the node's start with one line, like any other port.
/// </summary>
internal sealed class StatusServer(
    IServiceProvider services,
    StatusSettings settings,
    ActorSystem system,
    RecentWarnings warnings,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILoggingAdapter _log = Logging.GetLogger(system, "status");
    private KestrelServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        const string What = "the status endpoint";
        warnings.CollectFrom(system);
        var endpoint = await SmallKestrel.ResolveAsync(settings.Iface, settings.Port ?? 0, What);
        var app = new ApplicationBuilder(services);
        StatusEndpoints.Build(app);
        var (server, port) = await SmallKestrel.StartAsync(endpoint, settings.MaxConnections, settings.MaxRequestHeaderBytes, app.Build(), What,
            services, loggerFactory, cancellationToken: cancellationToken);
        _server = server;
        var host = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        _log.Info("status page on {0}/ (also /healthz, /readyz, /metrics)", $"http://{host}:{port}");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not { } server)
        {
            return;
        }

        _server = null;
        await server.StopAsync(cancellationToken);
        server.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await StopAsync(CancellationToken.None);
        }
    }
}
