using System.CommandLine;
using System.CommandLine.Parsing;
using PoetryActors.Cluster;
using PoetryActors.Kinds;

namespace PoetryNode.Cluster;

/// <summary>
/// <c>get</c>'s targets with <c>--cluster</c>: the <c>--poem NAME</c>s and the plain addresses in
/// the order the command line gives them, so <c>get --cluster C 10000 --poem ecstasy 10002</c>
/// prints (and numbers) its poems in that order, as a plain <c>get</c> of three addresses would.
/// </summary>
internal static class ClusterTargets
{
    /// <summary>
    /// The targets of <paramref name="result"/>: each token of <paramref name="poems"/> and of
    /// <paramref name="addresses"/> (already parsed, one for one, into <paramref name="parsed"/>)
    /// where it stands on the command line.
    /// </summary>
    public static IReadOnlyList<ClusterPoetryClient.Target> InCommandLineOrder(
        ParseResult result, Option<string[]> poems, Argument<string[]> addresses, IReadOnlyList<NetAddress> parsed)
    {
        // Each token's place, found once: a get of 1,000 names looked each one up by scanning
        // every token, a million comparisons before the first download. Plain loops rather than
        // LINQ over (position, target) tuples: those generic instantiations are not in the
        // ReadyToRun image and were compiled at every start (DOTNET_JitStdOutFile, 79 methods).
        var positions = new Dictionary<Token, int>(result.Tokens.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < result.Tokens.Count; i++)
        {
            positions.TryAdd(result.Tokens[i], i);
        }

        int Position(Token token) => positions.TryGetValue(token, out var at) ? at : int.MaxValue;

        var named = result.GetResult(poems)?.Tokens ?? [];
        var plain = result.GetResult(addresses)?.Tokens ?? [];
        // Each list is in command-line order already: merge the two. A token not found (int.MaxValue)
        // keeps its own list's order, after the others, names first.
        var targets = new List<ClusterPoetryClient.Target>(named.Count + plain.Count);
        int n = 0, p = 0;
        while (n < named.Count || p < plain.Count)
        {
            if (p == plain.Count || (n < named.Count && Position(named[n]) <= Position(plain[p])))
            {
                targets.Add(new ClusterPoetryClient.Target.Poem(named[n++].Value));
            }
            else
            {
                targets.Add(new ClusterPoetryClient.Target.At(parsed[p++]));
            }
        }

        return targets;
    }
}
