using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// Network namespaces for a partition test, made and removed by the test (as root): a hub
/// namespace holding a bridge, and one namespace per member joined to it by a veth pair (the
/// member's <c>eth0</c>, the hub's <c>vN</c>), with the addresses 198.18.0.N/24 (the range
/// reserved for network tests). Nothing is created in the machine's own namespace, so no traffic
/// leaves the namespaces made here. <see cref="Cut"/> sets a member's hub-side link down (a real
/// partition: packets are dropped, no connection is refused) and <see cref="Heal"/> sets it up.
/// Disposing deletes every namespace, which removes the veths and the bridge with them; names carry
/// the test process's id so that parallel runs never meet.
/// </summary>
public sealed class NetworkLab : IDisposable
{
    private readonly List<string> _made = [];
    private static readonly Regex OurNames = new(@"^poetry(?<pid>\d+)-\d{3}-(hub|m\d+)$", RegexOptions.CultureInvariant);
    private readonly string _prefix = $"poetry{Environment.ProcessId}-{Random.Shared.Next(1000):D3}";

    private NetworkLab()
    {
    }

    /// <summary>The hub namespace (the bridge).</summary>
    public string Hub => $"{_prefix}-hub";

    /// <summary>The namespace of member <paramref name="n"/> (1-based).</summary>
    public string Member(int n) => $"{_prefix}-m{n}";

    /// <summary>The address of member <paramref name="n"/> in its namespace.</summary>
    public static string Address(int n) => $"198.18.0.{n}";

    /// <summary>Makes the hub and <paramref name="members"/> member namespaces, each with loopback up and its address on eth0.</summary>
    public static NetworkLab Create(int members)
    {
        RemoveLeftovers();
        var lab = new NetworkLab();
        try
        {
            lab.Namespace(lab.Hub);
            Ip("-n", lab.Hub, "link", "add", "br0", "type", "bridge");
            Ip("-n", lab.Hub, "link", "set", "br0", "up");
            for (var n = 1; n <= members; n++)
            {
                var member = lab.Member(n);
                lab.Namespace(member);
                Ip("-n", lab.Hub, "link", "add", $"v{n}", "type", "veth", "peer", "name", "eth0", "netns", member);
                Ip("-n", lab.Hub, "link", "set", $"v{n}", "master", "br0");
                Ip("-n", lab.Hub, "link", "set", $"v{n}", "up");
                Ip("-n", member, "link", "set", "lo", "up");
                Ip("-n", member, "addr", "add", $"{Address(n)}/24", "dev", "eth0");
                Ip("-n", member, "link", "set", "eth0", "up");
            }
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Cuts member <paramref name="n"/> off: its hub-side link goes down.</summary>
    public void Cut(int n) => Ip("-n", Hub, "link", "set", $"v{n}", "down");

    /// <summary>Joins member <paramref name="n"/> again.</summary>
    public void Heal(int n) => Ip("-n", Hub, "link", "set", $"v{n}", "up");

    /// <summary>
    /// Why namespaces cannot be made here (not root, no <c>ip</c>, or the kernel refuses), or null
    /// when a probe namespace could be made and removed.
    /// </summary>
    public static string? WhyUnavailable()
    {
        if (!Posix.IsRoot)
        {
            return "needs root, to make network namespaces";
        }

        var probe = $"poetry-probe-{Environment.ProcessId}-{Random.Shared.Next(100000)}";
        try
        {
            Ip("netns", "add", probe);
            Ip("netns", "del", probe);
            return null;
        }
        catch (Exception e)
        {
            return $"network namespaces cannot be made here: {e.Message}";
        }
    }

    public void Dispose()
    {
        foreach (var ns in Enumerable.Reverse(_made))
        {
            try { Ip("netns", "del", ns); } catch (InvalidOperationException) { }
        }
        _made.Clear();
    }

    /// <summary>
    /// Deletes the namespaces of test runs that died without disposing theirs (a test host killed
    /// by the hang timeout, say): names of ours whose process is gone.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var name in Names())
        {
            var match = OurNames.Match(name);
            if (match.Success && !Directory.Exists($"/proc/{match.Groups["pid"].Value}"))
            {
                try { Ip("netns", "del", name); } catch (InvalidOperationException) { }
            }
        }
    }

    /// <summary>The names of the machine's network namespaces (<c>ip netns list</c>: a name, then maybe " (id: N)").</summary>
    public static IReadOnlyList<string> Names() =>
        Ip("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();

    private void Namespace(string name)
    {
        Ip("netns", "add", name);
        _made.Add(name);
    }

    private static string Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot run ip");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: exit {process.ExitCode}: {error.Trim()}");
        }

        return output.Result;
    }
}

/// <summary>A test that makes network namespaces; skipped, saying why, where they cannot be made.</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetworkLab.WhyUnavailable() is { } why)
        {
            Skip = why;
        }
    }
}
