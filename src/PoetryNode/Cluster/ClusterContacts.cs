using System.CommandLine;
using System.Globalization;
using PoetryActors.Kinds;

namespace PoetryNode.Cluster;

/// <summary>
/// The options a command that asks a running cluster from outside takes: <c>--cluster HOST:PORT</c>
/// (a member's remoting address; repeatable, tried together) and <c>--timeout</c> (how long to wait
/// for a contact point to answer, 5 s by default).
/// </summary>
internal sealed class ClusterContacts
{
    /// <summary>The default of <c>--timeout</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>--cluster: a member to ask.</summary>
    public Option<string[]> Contacts { get; } = new("--cluster")
    {
        Description = "a cluster member's remoting address to ask (repeatable; any one that answers will do)",
        HelpName = "HOST:PORT",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>--timeout: how long to wait for an answer.</summary>
    public Option<string?> Timeout { get; } = new("--timeout")
    {
        Description = "how long to wait for a member to answer, in seconds or with a unit (700ms, 5s) [default: 5s]",
        HelpName = "SECONDS",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Contacts);
        command.Options.Add(Timeout);
    }

    /// <summary>The contact points given (empty when none), each problem added to <paramref name="problems"/>.</summary>
    public IReadOnlyList<NetAddress> Read(ParseResult result, List<string> problems)
    {
        var contacts = new List<NetAddress>();
        foreach (var text in result.GetValue(Contacts) ?? [])
        {
            if (!text.Contains(':'))
            {
                problems.Add($"--cluster: '{text}' is not HOST:PORT (a member's remoting address, such as 127.0.0.1:4053)");
            }
            else if (NetAddress.TryParse(text, out var address, out var error))
            {
                contacts.Add(address);
            }
            else
            {
                problems.Add($"--cluster: {error}");
            }
        }
        return contacts;
    }

    /// <summary>The timeout given, or the default; a bad one is added to <paramref name="problems"/>.</summary>
    public TimeSpan ReadTimeout(ParseResult result, List<string> problems)
    {
        if (result.GetValue(Timeout) is not { } text)
        {
            return DefaultTimeout;
        }

        if (OptionValueParser.TryParseDuration(text, out var timeout) && timeout > TimeSpan.Zero)
        {
            return timeout;
        }

        problems.Add($"--timeout: expected a positive duration such as 700ms, 5s or 1m but got '{text}'");
        return DefaultTimeout;
    }

    /// <summary>The interface the client's own remoting binds: loopback when every contact is local, else every interface.</summary>
    public static string ClientHostname(IReadOnlyList<NetAddress> contacts) =>
        contacts.All(c => c.Host is "127.0.0.1" or "localhost" or "::1" || c.Host.StartsWith("127.", StringComparison.Ordinal))
            ? "127.0.0.1"
            : "0.0.0.0";

    /// <summary>A member address (<c>akka.tcp://poetry@127.0.0.1:4053</c>) as HOST:PORT, for tables.</summary>
    public static string Short(string memberAddress)
    {
        var at = memberAddress.LastIndexOf('@');
        return at >= 0 ? memberAddress[(at + 1)..] : memberAddress;
    }

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
