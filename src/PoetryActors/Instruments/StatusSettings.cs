using System.Globalization;
using Akka.Configuration;

namespace PoetryActors.Instruments;

/// <summary>
/// The node's HTTP status endpoint (<c>poetry.status</c> in reference.conf): off unless a port is
/// set, the one interface it binds, and the limits it serves within. Validated at creation.
/// </summary>
public sealed record StatusSettings
{
    public StatusSettings(int? port, string iface, int maxConnections, int maxRequestHeaderBytes, int recentWarnings)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "port: a port is 0 to 65535, or off");
        }

        if (string.IsNullOrWhiteSpace(iface))
        {
            throw new ArgumentException("iface: give an interface (localhost, an address, or * for all)", nameof(iface));
        }

        if (maxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, "max-connections: at least 1");
        }

        if (maxRequestHeaderBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRequestHeaderBytes), maxRequestHeaderBytes, "max-request-header-bytes: at least 1024");
        }

        if (recentWarnings is < 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(recentWarnings), recentWarnings, "recent-warnings: 0 to 1000");
        }

        Port = port;
        Iface = iface;
        MaxConnections = maxConnections;
        MaxRequestHeaderBytes = maxRequestHeaderBytes;
        RecentWarnings = recentWarnings;
    }

    /// <summary>The port to serve on (0: any free port); null when the endpoint is off.</summary>
    public int? Port { get; init; }

    /// <summary>Whether the endpoint is served at all.</summary>
    public bool Enabled => Port is not null;

    /// <summary>The interface to bind: <c>localhost</c>, an address, or <c>*</c> for every interface.</summary>
    public string Iface { get; }

    /// <summary>Connections served at once; more wait in the kernel's queue.</summary>
    public int MaxConnections { get; }

    /// <summary>The largest request line and headers accepted, in bytes (a request has no body: only GETs are served).</summary>
    public int MaxRequestHeaderBytes { get; }

    /// <summary>How many recent warnings the status page keeps.</summary>
    public int RecentWarnings { get; }

    /// <summary>The settings of <paramref name="config"/> (a deployment's), with reference.conf's defaults.</summary>
    public static StatusSettings Create(Config? config = null)
    {
        var c = PoetryConfig.WithDefaults(config).GetConfig("poetry.status");
        var text = c.GetString("port");
        var port = ParsePort(text) ?? throw new FormatException($"port: expected a port (0 to 65535) or off but got '{text}'");
        return new StatusSettings(port < 0 ? null : port, c.GetString("iface"), c.GetInt("max-connections"),
            c.GetInt("max-request-header-bytes"), c.GetInt("recent-warnings"));
    }

    /// <summary>
    /// A port as the settings and <c>--status-port</c> write it: a number from 0 to 65535, or
    /// <c>off</c> (also <c>false</c>, <c>none</c>) for -1; null when it is neither.
    /// </summary>
    public static int? ParsePort(string? text)
    {
        text = text?.Trim() ?? "";
        if (text.Length == 0 || text.Equals("off", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase)
            || text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return -1;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port : null;
    }
}
