using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// Packs the parts bound for one member into as few messages as the frame allows: in order, each
/// message no more than <see cref="ClusterTransformSettings.PartBytes"/> of poem and headers, a lone
/// part sent as itself (so a provider that knows only single parts still understands a request at a
/// time). A part is never split or reordered, so the limits and the ordering of single parts hold
/// unchanged. Plain code, no actor.
/// </summary>
internal static class TransformBatches
{
    // A part's fixed fields in our serializer (request id, indexes, lengths) and some room besides.
    private const int HeaderBytes = 32;

    /// <summary>The messages that carry <paramref name="parts"/> (oldest first), each within <paramref name="limit"/> bytes unless one part alone is larger.</summary>
    public static IEnumerable<object> Pack(IReadOnlyList<TransformPart> parts, int limit) =>
        Pack(parts, limit, p => p.Bytes.Length + HeaderBytes + p.Transform.Length * 3, batch => new TransformParts(batch));

    /// <summary>The messages that carry <paramref name="parts"/> (oldest first), each within <paramref name="limit"/> bytes unless one part alone is larger.</summary>
    public static IEnumerable<object> Pack(IReadOnlyList<TransformedPart> parts, int limit) =>
        Pack(parts, limit, p => p.Bytes.Length + HeaderBytes, batch => new TransformedParts(batch));

    private static IEnumerable<object> Pack<T>(IReadOnlyList<T> parts, int limit, Func<T, int> size, Func<IReadOnlyList<T>, object> batch)
        where T : class
    {
        var current = new List<T>();
        var bytes = 0;
        foreach (var part in parts)
        {
            var length = size(part);
            if (current.Count > 0 && bytes + length > limit)
            {
                yield return current.Count == 1 ? current[0] : batch(current);
                current = [];
                bytes = 0;
            }
            current.Add(part);
            bytes += length;
        }

        if (current.Count > 0)
        {
            yield return current.Count == 1 ? current[0] : batch(current);
        }
    }
}
