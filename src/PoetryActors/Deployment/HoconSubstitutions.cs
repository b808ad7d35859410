using Akka.Configuration.Hocon;
using PoetryActors.Configuration;

namespace PoetryActors.Deployment;

/// <summary>
/// Finds substitutions that would overflow the stack when the configuration is read: Akka's
/// parser links <c>${path}</c> to the value it names, and reading a value follows the links
/// recursively, so <c>services = ${services}</c> (or <c>a = ${b}</c>, <c>b = ${a}</c>) recurses
/// forever and a long chain of them as deep as it is long. Walked without recursion of its own.
/// </summary>
internal static class HoconSubstitutions
{
    /// <summary>Why <paramref name="root"/>'s substitutions cannot be read, or null when they can.</summary>
    public static string? FindProblem(HoconValue root, int maxChain)
    {
        var onPath = new HashSet<HoconValue>(ReferenceEqualityComparer.Instance);
        // The longest chain of substitutions under each value walked: reading it recurses that deep.
        var chain = new Dictionary<HoconValue, int>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(HoconValue Value, bool Leaving)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (value, leaving) = stack.Pop();
            if (leaving)
            {
                onPath.Remove(value);
                var (longest, at) = Longest(value, chain);
                if (longest > maxChain)
                {
                    return $"substitutions refer to each other more than {maxChain} deep (at ${{{Excerpt.Short(at!)}}})";
                }

                chain[value] = longest;
                continue;
            }
            if (chain.ContainsKey(value) || !onPath.Add(value))
            {
                continue;
            }

            stack.Push((value, true));
            foreach (var (child, substitution) in Children(value))
            {
                if (substitution is not null && onPath.Contains(child))
                {
                    return $"the substitution ${{{Excerpt.Short(substitution)}}} refers to itself, directly or through others";
                }

                stack.Push((child, false));
            }
        }
        return null;
    }

    /// <summary>The values inside <paramref name="value"/>, with the path of the substitution that leads to each one that is linked.</summary>
    private static IEnumerable<(HoconValue Child, string? Substitution)> Children(HoconValue value)
    {
        foreach (var element in value.Values)
        {
            switch (element)
            {
                case HoconObject obj:
                    foreach (var child in obj.Items.Values)
                    {
                        yield return (child, null);
                    }

                    break;
                case HoconArray array:
                    foreach (var item in array)
                    {
                        yield return (item, null);
                    }

                    break;
                case HoconSubstitution { ResolvedValue: { } target } substitution:
                    yield return (target, substitution.Path);
                    break;
            }
        }
    }

    private static (int Longest, string? At) Longest(HoconValue value, Dictionary<HoconValue, int> chain)
    {
        var longest = 0;
        string? at = null;
        foreach (var (child, substitution) in Children(value))
        {
            var length = chain.GetValueOrDefault(child) + (substitution is null ? 0 : 1);
            if (length > longest)
            {
                longest = length;
                at = substitution ?? at;
            }
        }
        return (longest, at ?? "");
    }
}
