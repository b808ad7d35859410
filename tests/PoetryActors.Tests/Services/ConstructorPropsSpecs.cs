using Akka.Actor;
using PoetryActors.Services;
using Xunit;
using Xunit.Abstractions;

namespace PoetryActors.Tests.Services;

/// <summary>
/// Props made from a constructor call (no expression tree): the actor gets the arguments it was
/// given, its type is the actor's, and a restart makes a new instance with the same arguments.
/// </summary>
public sealed class ConstructorPropsSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = INFO", output)
{
    [Fact]
    public void The_actor_gets_its_arguments_and_the_props_name_its_type()
    {
        var props = ConstructorProps.Of(() => new Greeter("ecstasy", TestActor));

        Sys.ActorOf(props);

        Assert.Equal(typeof(Greeter), props.Type);
        ExpectMsg<Greeter.Started>(s => Assert.Equal("ecstasy", s.Name));
    }

    [Fact]
    public void A_restart_makes_a_new_instance_with_the_same_arguments()
    {
        var greeter = Sys.ActorOf(ConstructorProps.Of(() => new Greeter("science", TestActor)));
        var first = ExpectMsg<Greeter.Started>();

        greeter.Tell(Greeter.Crash.Instance);

        var second = ExpectMsg<Greeter.Started>();
        Assert.Equal("science", second.Name);
        Assert.NotEqual(first.Instance, second.Instance);
    }

    private sealed class Greeter : UntypedActor
    {
        private static int _instances;
        private readonly string _name;
        private readonly IActorRef _probe;
        private readonly int _instance = Interlocked.Increment(ref _instances);

        public Greeter(string name, IActorRef probe)
        {
            _name = name;
            _probe = probe;
        }

        protected override void PreStart() => _probe.Tell(new Started(_name, _instance));

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case Crash:
                    throw new InvalidOperationException("crash on request");
                default:
                    Unhandled(message);
                    break;
            }
        }

        public sealed record Started(string Name, int Instance) : INoSerializationVerificationNeeded;

        public sealed record Crash : INoSerializationVerificationNeeded
        {
            public static readonly Crash Instance = new();
        }
    }
}
