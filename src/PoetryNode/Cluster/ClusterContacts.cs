using System.CommandLine;
using System.Globalization;
using PoetryActors.Kinds;

namespace PoetryNode.Cluster;

/// <summary>
/// The options a command that asks a running cluster from outside takes: <c>--cluster HOST:PORT</c>
/// (a member's remoting address, asked through Akka remoting) or <c>--cluster http://HOST:PORT</c>
/// (a member's status endpoint, asked over HTTP with no remoting started; repeatable, tried
/// together; one kind per command) and <c>--timeout</c> (how long to wait for a contact point to
/// answer, 5 s by default).
/// </summary>
internal sealed class ClusterContacts
{
    /// <summary>The default of <c>--timeout</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>--cluster: a member to ask.</summary>
    public Option<string[]> Contacts { get; } = new("--cluster")
    {
        Description = "a cluster member to ask: its remoting address HOST:PORT, or its status endpoint http://HOST:PORT (quicker: no remoting is started) (repeatable; any one that answers will do)",
        HelpName = "HOST:PORT|http://HOST:PORT",
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
    public ContactPoints Read(ParseResult result, List<string> problems)
    {
        var remoting = new List<NetAddress>();
        var endpoints = new List<Uri>();
        foreach (var text in result.GetValue(Contacts) ?? [])
        {
            if (text.Contains("://", StringComparison.Ordinal))
            {
                if (TryParseStatusEndpoint(text, out var endpoint, out var problem))
                {
                    endpoints.Add(endpoint);
                }
                else
                {
                    problems.Add($"--cluster: {problem}");
                }
            }
            else if (!text.Contains(':'))
            {
                problems.Add($"--cluster: '{text}' is not HOST:PORT (a member's remoting address, such as 127.0.0.1:4053) or http://HOST:PORT (its status endpoint)");
            }
            else if (NetAddress.TryParse(text, out var address, out var error))
            {
                remoting.Add(address);
            }
            else
            {
                problems.Add($"--cluster: {error}");
            }
        }

        if (remoting.Count > 0 && endpoints.Count > 0)
        {
            problems.Add("--cluster: give members' remoting addresses (HOST:PORT) or their status endpoints (http://HOST:PORT), not both in one command");
        }
        return new ContactPoints(remoting, endpoints);
    }

    /// <summary>
    /// A member's status endpoint: <c>http://HOST:PORT</c> (a final <c>/</c> allowed), nothing
    /// else (no https: the status endpoint speaks plain HTTP; no path, query or user).
    /// </summary>
    public static bool TryParseStatusEndpoint(string text, out Uri endpoint, out string problem)
    {
        endpoint = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            problem = $"'{text}' is not a URL (a member's status endpoint is http://HOST:PORT, such as http://127.0.0.1:11080)";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            problem = $"'{text}': a member's status endpoint is plain http://HOST:PORT, not {uri.Scheme}://";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            problem = $"'{text}': give the status endpoint only, http://HOST:PORT (the client asks its /catalog.json)";
            return false;
        }

        endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        problem = "";
        return true;
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

    /// <summary>The interface the client's own remoting binds for <paramref name="contacts"/>' remoting addresses, or their status endpoints' hosts.</summary>
    public static string ClientHostname(ContactPoints contacts) => ClientHostname(contacts.Addresses);

    /// <summary>A member address (<c>akka.tcp://poetry@127.0.0.1:4053</c>) as HOST:PORT, for tables.</summary>
    public static string Short(string memberAddress)
    {
        var at = memberAddress.LastIndexOf('@');
        return at >= 0 ? memberAddress[(at + 1)..] : memberAddress;
    }

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}

/// <summary>
/// The contact points of one command: members' remoting addresses (<see cref="Remoting"/>, asked
/// through Akka remoting) or their status endpoints (<see cref="StatusEndpoints"/>, asked over
/// HTTP); <see cref="ClusterContacts.Read"/> refuses a mix.
/// </summary>
internal sealed record ContactPoints(IReadOnlyList<NetAddress> Remoting, IReadOnlyList<Uri> StatusEndpoints)
{
    /// <summary>Contact points asked over remoting.</summary>
    public static ContactPoints Of(params NetAddress[] remoting) => new(remoting, []);

    /// <summary>How many were given.</summary>
    public int Count => Remoting.Count + StatusEndpoints.Count;

    /// <summary>True when the cluster is asked over HTTP (no remoting is needed for the question).</summary>
    public bool OverHttp => StatusEndpoints.Count > 0;

    /// <summary>Each contact point as HOST:PORT (a status endpoint's host and port).</summary>
    public IReadOnlyList<NetAddress> Addresses => OverHttp
        ? StatusEndpoints.Select(u => new NetAddress(u.Host.Trim('[', ']'), u.Port)).ToList()
        : Remoting;
}
