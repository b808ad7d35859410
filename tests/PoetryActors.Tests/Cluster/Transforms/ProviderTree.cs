using Akka.Actor;
using PoetryActors.Cluster.Transforms;
using static PoetryActors.Cluster.Transforms.ClusterTransformProtocol;

namespace PoetryActors.Tests.Cluster.Transforms;

/// <summary>
/// Puts a transform provider where the catalog says a transform service is:
/// <c>/user/node/SERVICE/transforms</c>, without a whole node around it. The provider is a real
/// transform service, or a test double that never answers or answers garbage.
/// </summary>
internal static class ProviderTree
{
    /// <summary>Starts <paramref name="provider"/> at <c>/user/node/<paramref name="service"/>/transforms</c> of <paramref name="system"/>.</summary>
    public static void Start(ActorSystem system, string service, Props provider) =>
        system.ActorOf(Props.Create(() => new Holder(service, Props.Create(() => new Holder("transforms", provider)))), "node");

    /// <summary>Holds one child under a given name, as a service collection holds its services.</summary>
    private sealed class Holder : ReceiveActor
    {
        public Holder(string child, Props props)
        {
            Context.ActorOf(props, child);
            ReceiveAny(_ => { });
        }
    }

    /// <summary>A provider that takes every part and never answers (a member that hangs mid-request).</summary>
    public sealed class Silent : ReceiveActor
    {
        public Silent() => Receive<TransformPart>(_ => { });
    }

    /// <summary>A provider that answers every request with a part that cannot be right (part 5 of 2).</summary>
    public sealed class Garbled : ReceiveActor
    {
        public Garbled() => Receive<TransformPart>(part => Sender.Tell(new TransformedPart(part.RequestId, 5, 2, [1, 2, 3])));
    }

    /// <summary>A provider that lowercases each poem (ASCII) and keeps every message it received, to count them.</summary>
    public sealed class Counting : ReceiveActor
    {
        public Counting(List<object> received)
        {
            Receive<TransformPart>(part =>
            {
                lock (received)
                {
                    received.Add(part);
                }

                Sender.Tell(Lowered(part));
            });
            Receive<TransformParts>(batch =>
            {
                lock (received)
                {
                    received.Add(batch);
                }

                Sender.Tell(new TransformedParts(batch.Parts.Select(Lowered).ToList()));
            });
        }

        private static TransformedPart Lowered(TransformPart part) =>
            new(part.RequestId, 0, 1, part.Bytes.Select(b => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b).ToArray());
    }

    /// <summary>A provider that answers each request twice: the second answer is too late and must be ignored.</summary>
    public sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<TransformPart>(part =>
        {
            Sender.Tell(new TransformedPart(part.RequestId, 0, 1, part.Bytes));
            Sender.Tell(new TransformedPart(part.RequestId, 0, 1, [(byte)'!']));
        });
    }
}
