using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PoetryNode.Status;

/// <summary>
/// What the status endpoint answers, and nothing else: <c>GET</c> (or <c>HEAD</c>) of
/// <c>/healthz</c> (liveness: the process and its actor system), <c>/readyz</c> (every health
/// check: the services started; on a cluster member, also Up in the cluster), <c>/metrics</c>
/// (Prometheus text), <c>/status.json</c>, <c>/catalog.json</c> (a cluster member's catalog,
/// <see cref="Cluster.CatalogJsonEndpoint"/>), and <c>/</c> with its stylesheet and script. Any other
/// path is 404 and any other method 405. No answer repeats anything from the request.
/// </summary>
internal static class StatusEndpoints
{
    /// <summary>The health checks <c>/healthz</c> runs: Akka.Hosting's actor system liveness check carries it.</summary>
    public const string LivenessTag = "liveness";

    private const string MetricsPath = "/metrics";

    private static readonly Dictionary<string, (string Resource, string ContentType)> Assets = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/status.css"] = ("status.css", "text/css; charset=utf-8"),
        ["/status.js"] = ("status.js", "text/javascript; charset=utf-8"),
    };

    private static readonly HashSet<string> Paths = new(StringComparer.Ordinal)
    {
        "/", "/status.css", "/status.js", "/status.json", "/healthz", "/readyz", MetricsPath, Cluster.CatalogJsonEndpoint.Path,
    };

    /// <summary>The pipeline: the method and path gate, the health checks, the Prometheus exporter, the page.</summary>
    public static void Build(IApplicationBuilder app)
    {
        app.Use(GateAsync);
        app.UseHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LivenessTag),
            ResponseWriter = WriteHealthAsync,
        });
        // Every check, so that a check a feature adds (the cluster's readiness) counts at once.
        app.UseHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        app.UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath);
        app.Run(ServeAsync);
    }

    private static Task GateAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        // Exact paths only: /healthz/ or /metrics/x are not ours (the health check middleware would take them).
        if (!Paths.Contains(context.Request.Path.Value ?? ""))
        {
            return Plain(context, StatusCodes.Status404NotFound, "not found: this is a poetry node's status endpoint (/, /healthz, /readyz, /metrics, /status.json, /catalog.json)\n");
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            return Plain(context, StatusCodes.Status405MethodNotAllowed, "method not allowed: the status endpoint only serves GET\n");
        }
        return next(context);
    }

    private static async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path == "/status.json")
        {
            var status = await context.RequestServices.GetRequiredService<StatusReport>().ReadAsync(context.RequestAborted);
            context.Response.ContentType = "application/json; charset=utf-8";
            await JsonSerializer.SerializeAsync(context.Response.Body, status, StatusReport.Json, context.RequestAborted);
            return;
        }

        if (path == Cluster.CatalogJsonEndpoint.Path)
        {
            await Cluster.CatalogJsonEndpoint.ServeAsync(context);
            return;
        }

        if (!Assets.TryGetValue(path, out var asset))
        {
            await Plain(context, StatusCodes.Status404NotFound, "not found\n");
            return;
        }
        context.Response.ContentType = asset.ContentType;
        // The page's own files only: no inline script, no other origin.
        context.Response.Headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        await using var stream = typeof(StatusEndpoints).Assembly.GetManifestResourceStream("PoetryNode.Status." + asset.Resource)
            ?? throw new InvalidOperationException($"the status page's {asset.Resource} is not embedded in poetry-node");
        context.Response.ContentLength = stream.Length;
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            failed = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal).ToList(),
            checks = StatusReport.Checks(report),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, StatusReport.Json, context.RequestAborted);
    }

    private static Task Plain(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
