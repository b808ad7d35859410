using System.CommandLine;
using System.CommandLine.Help;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryNode.Hosting;

namespace PoetryNode.Cli;

/// <summary>
/// The poetry-node command line: <c>run</c>, one command per service kind, and the listing of
/// them all when called with no command (twistd's plugin list). Usage errors exit with 2.
/// </summary>
internal static class PoetryCli
{
    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build(ServiceKindRegistry.Default);
        var result = root.Parse(ExpandEmptyValues(args));
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                await Console.Error.WriteLineAsync($"poetry-node: {error.Message}");
            }

            await Console.Error.WriteLineAsync($"Run '{HelpHint(result)}' for usage.");
            return ExitCodes.Usage;
        }
        // Only serving commands have a host to hand held signals to; the others get their usual effect back.
        if (!IsServing(result.CommandResult.Command))
        {
            StartupSignals.Release();
        }
        // The host handles SIGINT and SIGTERM with an orderly stop; the parser must not kill the process first.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        if (result.Action is not HelpAction || result.CommandResult.Command != root)
        {
            return await result.InvokeAsync(invocation);
        }

        // The parser's list of commands shows every argument as required (run <FILE>); the
        // commands' own usage lines know better (run [<FILE>]), so the root help says it too.
        var help = new StringWriter();
        invocation.Output = help;
        var exit = await result.InvokeAsync(invocation);
        await Console.Out.WriteAsync(MarkOptionalArguments(help.ToString(), root));
        return exit;
    }

    /// <summary>
    /// <paramref name="help"/> with each subcommand of <paramref name="root"/> whose arguments may
    /// all be left out listed as <c>run [FILE]</c> instead of <c>run &lt;FILE&gt;</c> (the same width,
    /// so the columns stay aligned).
    /// </summary>
    public static string MarkOptionalArguments(string help, RootCommand root)
    {
        foreach (var command in root.Subcommands)
        {
            if (command.Arguments.Count == 0 || command.Arguments.Any(a => a.Arity.MinimumNumberOfValues > 0))
            {
                continue;
            }

            var required = "  " + command.Name + string.Concat(command.Arguments.Select(a => $" <{a.HelpName ?? a.Name}>")) + " ";
            var optional = "  " + command.Name + string.Concat(command.Arguments.Select(a => $" [{a.HelpName ?? a.Name}]")) + " ";
            help = help.Replace("\n" + required, "\n" + optional, StringComparison.Ordinal);
        }
        return help;
    }

    /// <summary>The root command with every subcommand of <paramref name="kinds"/>.</summary>
    public static RootCommand Build(ServiceKindRegistry kinds)
    {
        var serve = new DaemonOptions();
        var root = new RootCommand("poetry-node: hosts poetry services (poem servers, transforms, caching proxies) and fetches poems.");
        serve.AddTo(root);
        var loader = new DeploymentLoader(kinds);
        root.Subcommands.Add(RunCommand.Create(loader, serve));
        root.Subcommands.Add(CheckCommand.Create(loader, serve));
        root.Subcommands.Add(GetCommand.Create(serve));
        root.Subcommands.Add(StatusCommand.Create(serve));
        root.Subcommands.Add(Cluster.CatalogCommand.Create(serve));
        foreach (var kind in kinds.All)
        {
            root.Subcommands.Add(KindCommands.Create(kind, serve));
        }

        root.SetAction(_ =>
        {
            Console.Out.Write(Listing(root, kinds, serve));
            return ExitCodes.Success;
        });
        return root;
    }

    /// <summary>The commands and service kinds with their descriptions, as <c>poetry-node</c> alone prints them.</summary>
    public static string Listing(RootCommand root, ServiceKindRegistry kinds, DaemonOptions serve)
    {
        var writer = new StringWriter();
        writer.WriteLine("Usage: poetry-node [daemon options] <command> [command options]");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        foreach (var command in root.Subcommands.Where(c => !kinds.TryGet(c.Name, out _)))
        {
            writer.WriteLine($"  {command.Name,-12} {command.Description}");
        }

        writer.WriteLine();
        writer.WriteLine("Service kinds (each is a command; 'poetry-node <kind> --help' lists its options):");
        foreach (var kind in kinds.All)
        {
            writer.WriteLine($"  {kind.Name,-12} {kind.Description}");
        }

        writer.WriteLine();
        writer.WriteLine("Daemon options (every serving command takes them, before the command as with twistd, or after it):");
        writer.WriteLine("  " + string.Join(' ', serve.All.Select(o => o.HelpName is { } value ? $"{o.Name} {value}" : o.Name)));
        writer.WriteLine("Run 'poetry-node --help' for what each does, and their defaults.");
        return writer.ToString();
    }

    /// <summary>
    /// <c>--pidfile=</c> (nothing after the '=') is twistd's way to give an option an empty value,
    /// and the handy one in a systemd unit; the parser would take the next word as the value
    /// instead, so it becomes <c>--pidfile ""</c> first.
    /// </summary>
    public static string[] ExpandEmptyValues(IEnumerable<string> args) =>
        args.SelectMany(a => a.Length > 3 && a.StartsWith("--", StringComparison.Ordinal) && a.EndsWith('=') && a.IndexOf('=') == a.Length - 1
            ? [a[..^1], ""]
            : new[] { a }).ToArray();

    private static bool IsServing(Command command) =>
        command.Name == "run" || ServiceKindRegistry.Default.TryGet(command.Name, out _);

    private static string HelpHint(ParseResult result) =>
        result.CommandResult.Command is RootCommand ? "poetry-node --help" : $"poetry-node {result.CommandResult.Command.Name} --help";
}
