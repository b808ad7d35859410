using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Deployment;
using PoetryActors.Kinds;

namespace PoetryNode.Cluster;

/// <summary>
/// The cluster flags of <c>run</c> and of every kind command: <c>--cluster-host</c>,
/// <c>--cluster-port</c>, <c>--seed HOST:PORT</c> and <c>--role NAME</c> (both repeatable). Any of
/// them makes the node a member, overriding the deployment's <c>poetry.cluster</c> keys of the
/// same meaning (the seeds and roles given replace the file's lists).
/// </summary>
internal sealed class ClusterFlags
{
    /// <summary>--cluster-host: the interface remoting binds and advertises.</summary>
    public Option<string?> Host { get; } = new("--cluster-host")
    {
        Description = "join a cluster; remoting binds and advertises this interface [default: poetry.cluster.hostname, 127.0.0.1]",
        HelpName = "HOST",
    };

    /// <summary>--cluster-port: the remoting port.</summary>
    public Option<string?> Port { get; } = new("--cluster-port")
    {
        Description = "join a cluster; remoting listens on this port, 0 for any free one [default: poetry.cluster.port, 4053]",
        HelpName = "PORT",
    };

    /// <summary>--seed: a member to join (repeatable).</summary>
    public Option<string[]> Seeds { get; } = new("--seed")
    {
        Description = "join a cluster through this member's remoting address (repeatable) [default: poetry.cluster.seed-nodes]",
        HelpName = "HOST:PORT",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>--role: one of this member's roles (repeatable).</summary>
    public Option<string[]> Roles { get; } = new("--role")
    {
        Description = "join a cluster with this role, such as transform (repeatable) [default: poetry.cluster.roles]",
        HelpName = "NAME",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Host, Port, Seeds, Roles })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// <paramref name="deployment"/> with the flags of <paramref name="result"/> applied, or null
    /// after adding every problem (flag and message) to <paramref name="problems"/>.
    /// </summary>
    public NodeDeployment? Apply(ParseResult result, NodeDeployment deployment, List<string> problems)
    {
        var host = result.GetValue(Host);
        var port = result.GetValue(Port);
        var seeds = result.GetValue(Seeds) ?? [];
        var roles = result.GetValue(Roles) ?? [];
        if (host is null && port is null && seeds.Length == 0 && roles.Length == 0)
        {
            return deployment;
        }

        var keys = new List<string>();
        if (host is not null)
        {
            if (string.IsNullOrWhiteSpace(host))
            {
                problems.Add("--cluster-host: must name an interface, such as 127.0.0.1");
            }

            keys.Add($"hostname = {Quote(host.Trim())}");
        }
        if (port is not null)
        {
            if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 65535)
            {
                keys.Add($"port = {number}");
            }
            else
            {
                problems.Add($"--cluster-port: expected a port from 0 to 65535 but got '{port}'");
            }
        }
        foreach (var seed in seeds)
        {
            if (!seed.Contains(':'))
            {
                problems.Add($"--seed: '{seed}' is not HOST:PORT");
            }
            else if (!NetAddress.TryParse(seed, out _, out var error))
            {
                problems.Add($"--seed: {error}");
            }
        }
        if (seeds.Length > 0)
        {
            keys.Add($"seed-nodes = [{string.Join(", ", seeds.Select(Quote))}]");
        }

        foreach (var role in roles.Where(r => r.Length == 0 || r.Any(c => char.IsWhiteSpace(c) || c == ',')))
        {
            problems.Add($"--role: '{role}' is not a role name (letters, digits, '-')");
        }

        if (roles.Length > 0)
        {
            keys.Add($"roles = [{string.Join(", ", roles.Select(Quote))}]");
        }

        if (problems.Count > 0)
        {
            return null;
        }

        var config = ConfigurationFactory.ParseString($"poetry.cluster {{\n{string.Join("\n", keys)}\n}}").WithFallback(deployment.Config);
        foreach (var (key, message) in PoetryClusterSettings.Check(config))
        {
            problems.Add($"{deployment.Source}: {key}: {message}");
        }

        return problems.Count > 0 ? null : deployment with { Config = config, JoinsCluster = true };
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
