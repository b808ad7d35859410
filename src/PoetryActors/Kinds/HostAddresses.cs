using System.Net;
using System.Net.Sockets;

namespace PoetryActors.Kinds;

/// <summary>
/// Name resolution as the whole network does it: IPv4 addresses first, as Twisted's listenTCP
/// and our listeners bind <c>localhost</c> to 127.0.0.1, so a client tries what a server bound.
/// The one place for it, shared by the listeners and the downloads.
/// </summary>
internal static class HostAddresses
{
    /// <summary>The addresses of <paramref name="host"/>, IPv4 first, in the resolver's order otherwise.</summary>
    /// <exception cref="SocketException">The name does not resolve.</exception>
    public static async Task<IPAddress[]> ResolveIPv4FirstAsync(string host, CancellationToken cancel = default)
    {
        var addresses = await Dns.GetHostAddressesAsync(host, cancel).ConfigureAwait(false);
        return [.. addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)];
    }
}
