using System.CommandLine;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryNode.Hosting;

namespace PoetryNode.Cli;

/// <summary>
/// One subcommand per service kind (twistd's plugins): <c>poetry-node fastpoetry --port 10000
/// --poem poetry/ecstasy.txt</c> runs a node with that one service, its options being the
/// kind's options, checked exactly as the same keys in a deployment file are.
/// </summary>
internal static class KindCommands
{
    /// <summary>The subcommand for <paramref name="kind"/>.</summary>
    public static Command Create(ServiceKind kind, DaemonOptions serve)
    {
        var command = new Command(kind.Name, kind.Description);
        serve.AddTo(command);
        var options = new List<(KindOption Kind, Option<string> Cli)>();
        foreach (var option in kind.Options)
        {
            var cli = new Option<string>("--" + option.Name)
            {
                Description = option.Description + (option.Default is { } d ? $" [default: {d}]" : option.Required ? " (required)" : ""),
                HelpName = HelpName(option.Type),
            };
            command.Options.Add(cli);
            options.Add((option, cli));
        }

        Option<bool>? list = null;
        if (kind.Catalog is not null)
        {
            list = new Option<bool>("--list") { Description = $"list what this {kind.Name} server offers, with descriptions, and exit" };
            command.Options.Add(list);
        }

        var cluster = new Cluster.ClusterFlags();
        cluster.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            if (list is not null && result.GetValue(list))
            {
                var catalog = kind.Catalog!();
                var width = catalog.Max(c => c.Name.Length);
                foreach (var (name, description) in catalog)
                {
                    Console.Out.WriteLine($"  {name.PadRight(width)}  {description}");
                }

                return ExitCodes.Success;
            }

            var raw = new Dictionary<string, string>();
            foreach (var (option, cli) in options)
            {
                if (result.GetValue(cli) is { } value)
                {
                    raw[option.Name] = value;
                }
            }

            var source = $"poetry-node {kind.Name}";
            var parsed = kind.Parse(raw);
            if (parsed.Options is null)
            {
                foreach (var (key, message) in parsed.Problems)
                {
                    await Console.Error.WriteLineAsync($"{source}: --{key}: {message}");
                }

                return ExitCodes.Usage;
            }

            // SIGHUP checks the same options again (a poem file may have gone) and re-reads the poems.
            NodeDeployment Reload()
            {
                var again = kind.Parse(raw);
                if (again.Options is null)
                {
                    throw new DeploymentException(again.Problems.Select(p => new DeploymentError(source, null, "--" + p.Key, p.Message)).ToList());
                }

                return Deployment(again.Options);
            }
            NodeDeployment Deployment(ServiceOptions checkedOptions) =>
                new(source, [new DeploymentEntry(kind.Name, kind, checkedOptions, [])], PoetryActors.PoetryConfig.Reference);

            var problems = new List<string>();
            if (cluster.Apply(result, Deployment(parsed.Options), problems) is not { } deployment)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync($"{source}: {problem}");
                }

                return ExitCodes.Usage;
            }
            return await NodeHost.RunAsync(new DeploymentSource(source, deployment, Reload), serve.Read(result));
        });
        return command;
    }

    private static string HelpName(OptionType type) => type switch
    {
        OptionType.File => "FILE",
        OptionType.Port => "PORT",
        OptionType.Integer => "N",
        OptionType.Duration => "SECONDS",
        OptionType.Address => "[HOST:]PORT",
        _ => "TEXT",
    };
}
