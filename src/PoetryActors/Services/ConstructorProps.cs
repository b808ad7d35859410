using Akka.Actor;

namespace PoetryActors.Services;

/// <summary>
/// Props whose actor is made by a plain delegate that calls its constructor. Akka's
/// <c>Props.Create(() =&gt; new X(...))</c> takes an expression tree and compiles it, which loads
/// System.Linq.Expressions and its compiler into every node (measured: about 2.3 MB of mapped
/// assembly plus the JIT's code for the compiler, at idle); a delegate does the same job with none
/// of it.
/// </summary>
internal static class ConstructorProps
{
    /// <summary>Props that make each incarnation of the actor with <paramref name="create"/>.</summary>
    public static Props Of<TActor>(Func<TActor> create)
        where TActor : ActorBase =>
        Props.CreateBy(new Producer<TActor>(create));

    private sealed class Producer<TActor>(Func<TActor> create) : IIndirectActorProducer
        where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
        }
    }
}
