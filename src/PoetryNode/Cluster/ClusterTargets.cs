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
        var all = result.Tokens;
        int Position(Token token)
        {
            for (var i = 0; i < all.Count; i++)
            {
                if (ReferenceEquals(all[i], token))
                {
                    return i;
                }
            }
            return int.MaxValue;
        }

        var named = (result.GetResult(poems)?.Tokens ?? [])
            .Select(t => (Position: Position(t), Target: (ClusterPoetryClient.Target)new ClusterPoetryClient.Target.Poem(t.Value)));
        var plain = (result.GetResult(addresses)?.Tokens ?? [])
            .Select((t, i) => (Position: Position(t), Target: (ClusterPoetryClient.Target)new ClusterPoetryClient.Target.At(parsed[i])));
        // OrderBy is stable: a token not found keeps its own list's order, after the others.
        return named.Concat(plain).OrderBy(p => p.Position).Select(p => p.Target).ToList();
    }
}
