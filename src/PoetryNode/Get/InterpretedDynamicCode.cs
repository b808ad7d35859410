using System.Runtime.CompilerServices;

namespace PoetryNode.Get;

/// <summary>
/// Tells the runtime, for a plain <c>get</c> only, that it cannot generate code at run time
/// (<see cref="RuntimeFeature.IsDynamicCodeSupported"/>, a feature switch read once, so it is set
/// first thing in <c>Main</c>). Akka's HOCON reads every duration and byte size through two
/// regular expressions built with <c>RegexOptions.Compiled</c>: emitting and then JIT-compiling
/// them cost a one-poem get 40-50 ms of its 0.3 s of CPU (perf and dotnet-trace of the published
/// build; tests/benchmarks/run-client-bench.sh). Without dynamic code the regular expressions are
/// interpreted, which for a few dozen configuration values is far cheaper, and expression trees
/// are interpreted too. Nothing on a plain get's path emits code otherwise; the switch would make
/// <c>DynamicMethod</c> throw, so a serving node, and <c>get --cluster HOST:PORT</c> with its
/// remoting serializers, keep dynamic code. <c>get --cluster http://...</c> asks the catalog over
/// HTTP and starts no remoting unless a <c>--transform</c> may go through the cluster: without
/// one it is a plain get plus an HTTP request, and takes the switch too.
/// </summary>
internal static class InterpretedDynamicCode
{
    private const string Switch = "System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported";

    /// <summary>
    /// Sets the switch when <paramref name="args"/> are a <c>get</c> that starts no remoting:
    /// without <c>--cluster</c>, or with only <c>http://</c> contact points and no <c>--transform</c>.
    /// </summary>
    public static void ForPlainGet(string[] args)
    {
        if (CommandOf(args) == "get" && !NeedsRemoting(args))
        {
            AppContext.SetSwitch(Switch, false);
        }
    }

    // Remoting starts for a HOST:PORT contact point, and for a --transform that may go through
    // the cluster's providers (there is a --cluster at all).
    private static bool NeedsRemoting(string[] args)
    {
        var anyContact = false;
        for (var i = 0; i < args.Length; i++)
        {
            var contact = args[i] == "--cluster" ? (i + 1 < args.Length ? args[i + 1] : "")
                : args[i].StartsWith("--cluster=", StringComparison.Ordinal) ? args[i]["--cluster=".Length..]
                : null;
            if (contact is null)
            {
                continue;
            }

            anyContact = true;
            if (!contact.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return anyContact && args.Any(a => a.StartsWith("--transform", StringComparison.Ordinal));
    }

    /// <summary>
    /// The command <paramref name="args"/> name: the first word that is neither an option nor the
    /// value of a daemon option before it (<c>poetry-node --logfile get run</c> runs a node).
    /// </summary>
    internal static string? CommandOf(string[] args)
    {
        var takingValues = new Cli.DaemonOptions().All.Where(o => o.ValueType != typeof(bool))
            .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith('-'))
            {
                return args[i];
            }

            if (takingValues.Contains(args[i]))
            {
                i++;
            }
        }

        return null;
    }
}
