using System.Text;
using Akka.Actor;
using Akka.Event;
using PoetryActors.Transform;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// The provider's side of the cluster's transforms, for a transform service actor: it gathers the
/// <see cref="TransformPart"/>s of each request (per requester and request id, in order), runs the
/// whole poem through the service's transforms and answers with the transformed poem in
/// <see cref="TransformedPart"/>s, or one <see cref="TransformRefused"/> with the reason (logged
/// too, as the TCP server logs why it closes). Parts out of order, a poem over the limit, a
/// request left half-sent for longer than the idle timeout: each is refused or dropped, never a
/// crash. Plain code that runs on its actor's thread.
/// </summary>
internal sealed class TransformPartsProvider(TransformRegistry registry, ClusterTransformSettings settings, TimeSpan idleTimeout)
{
    private readonly TransformRequestProcessor _processor = new(registry, settings.MaxPoemBytes);
    private readonly Dictionary<(IActorRef Requester, long Id), Assembly> _assemblies = [];

    // While a batch is taken, its answers gather here and leave packed (TransformBatches) at its end.
    private List<TransformedPart>? _answers;

    /// <summary>Takes one part from <paramref name="requester"/>; answers when the poem is whole.</summary>
    public void Receive(TransformPart part, IActorRef requester, IActorRef self, ILoggingAdapter log)
    {
        DropStale(log);
        var key = (requester, part.RequestId);
        if (part.Parts < 1 || part.Part < 0 || part.Part >= part.Parts)
        {
            Refuse(key, self, log, $"part {part.Part} of {part.Parts} is not a part of a request");
            return;
        }

        if (part.Part == 0)
        {
            _assemblies.Remove(key);
            if (part.Parts == 1)
            {
                Answer(requester, self, part.RequestId, part.Transform, part.Bytes, log);
                return;
            }
            _assemblies[key] = new Assembly(part.Transform, part.Parts);
        }

        if (!_assemblies.TryGetValue(key, out var assembly))
        {
            Refuse(key, self, log, $"part {part.Part} of {part.Parts} arrived without the parts before it");
            return;
        }
        if (part.Part != assembly.Next || part.Parts != assembly.Parts || part.Transform != assembly.Transform)
        {
            _assemblies.Remove(key);
            Refuse(key, self, log, $"part {part.Part} of {part.Parts} arrived where part {assembly.Next} of {assembly.Parts} was expected");
            return;
        }
        if (assembly.Bytes.Length + part.Bytes.Length > settings.MaxPoemBytes)
        {
            _assemblies.Remove(key);
            Refuse(key, self, log, $"the poem is more than the {settings.MaxPoemBytes} bytes this provider takes (poetry.cluster.transforms.max-poem-bytes)");
            return;
        }

        assembly.Bytes.Write(part.Bytes);
        assembly.Next++;
        assembly.Touched = DateTime.UtcNow;
        if (assembly.Next < assembly.Parts)
        {
            return;
        }

        _assemblies.Remove(key);
        Answer(requester, self, part.RequestId, assembly.Transform, assembly.Bytes.ToArray(), log);
    }

    /// <summary>
    /// Takes every part of <paramref name="batch"/> from <paramref name="requester"/> as
    /// <see cref="Receive(TransformPart, IActorRef, IActorRef, ILoggingAdapter)"/> does, and answers them together: the transformed parts packed into as
    /// few messages as the part size allows, refusals one by one as they come.
    /// </summary>
    public void Receive(TransformParts batch, IActorRef requester, IActorRef self, ILoggingAdapter log)
    {
        _answers = [];
        try
        {
            foreach (var part in batch.Parts)
            {
                Receive(part, requester, self, log);
            }
        }
        finally
        {
            var answers = _answers;
            _answers = null;
            foreach (var message in TransformBatches.Pack(answers, settings.PartBytes))
            {
                requester.Tell(message, self);
            }
        }
    }

    /// <summary>How many requests are half-received.</summary>
    public int Assembling => _assemblies.Count;

    private void Answer(IActorRef requester, IActorRef self, long id, string transform, byte[] poem, ILoggingAdapter log)
    {
        if (poem.Length > settings.MaxPoemBytes)
        {
            Refuse((requester, id), self, log, $"the poem of {poem.Length} bytes is more than the {settings.MaxPoemBytes} this provider takes (poetry.cluster.transforms.max-poem-bytes)");
            return;
        }

        // The processor reads a request as the TCP server receives it: <name>.<poem>.
        var name = Encoding.UTF8.GetBytes(transform);
        var request = new byte[name.Length + 1 + poem.Length];
        name.CopyTo(request, 0);
        request[name.Length] = (byte)'.';
        poem.CopyTo(request, name.Length + 1);
        if (!_processor.TryProcess(request, out var reply, out var error))
        {
            Refuse((requester, id), self, log, error);
            return;
        }

        var parts = Math.Max(1, (reply.Length + settings.PartBytes - 1) / settings.PartBytes);
        for (var index = 0; index < parts; index++)
        {
            var start = index * settings.PartBytes;
            var bytes = parts == 1 ? reply : reply.AsSpan(start, Math.Min(settings.PartBytes, reply.Length - start)).ToArray();
            var answer = new TransformedPart(id, index, parts, bytes);
            if (_answers is { } gathering)
            {
                gathering.Add(answer);
            }
            else
            {
                requester.Tell(answer, self);
            }
        }
    }

    private static void Refuse((IActorRef Requester, long Id) key, IActorRef self, ILoggingAdapter log, string reason)
    {
        log.Warning("refused the cluster transform request {0} of {1}: {2}", key.Id, key.Requester.Path, reason);
        key.Requester.Tell(new TransformRefused(key.Id, reason), self);
    }

    private void DropStale(ILoggingAdapter log)
    {
        if (_assemblies.Count == 0)
        {
            return;
        }

        var limit = DateTime.UtcNow - idleTimeout;
        foreach (var (key, assembly) in _assemblies.Where(a => a.Value.Touched < limit).ToList())
        {
            _assemblies.Remove(key);
            log.Warning("dropped the cluster transform request {0} of {1}: only {2} of its {3} parts arrived within {4:0.##} s",
                key.Id, key.Requester.Path, assembly.Next, assembly.Parts, idleTimeout.TotalSeconds);
        }
    }

    private sealed class Assembly(string transform, int parts)
    {
        public string Transform { get; } = transform;
        public int Parts { get; } = parts;
        public int Next { get; set; }
        public MemoryStream Bytes { get; } = new();
        public DateTime Touched { get; set; } = DateTime.UtcNow;
    }
}
