using Akka.Configuration;
using Akka.Dispatch;

namespace PoetryNode.Hosting;

/// <summary>
/// A dispatcher that runs an actor's mailbox on the thread that sends to it (the same idea as
/// Akka.TestKit's <c>CallingThreadDispatcher</c>). The clients' logger actor
/// (<see cref="SerilogAkkaLogger"/>, <c>get</c>) runs on it (<c>akka.loggers-dispatcher</c>): a
/// log event is converted and written by the thread that logged it, instead of scheduling the
/// logger actor on the thread pool and waking a pool thread for every event. The mailbox still
/// lets one thread at a time into the actor, and another thread's event that arrives meanwhile
/// is processed by the thread already inside. (A serving node has no logger actor at all:
/// <see cref="NodeAkkaLogger"/>.)
/// </summary>
internal sealed class CallingThreadDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : MessageDispatcherConfigurator(config, prerequisites)
{
    /// <summary>Its HOCON path, for <c>akka.loggers-dispatcher</c>.</summary>
    public const string Id = "poetry-node.calling-thread-dispatcher";

    /// <summary>
    /// Its configuration. The throughput lets the thread inside the mailbox empty it in one go
    /// rather than hand it on after a few messages (which, here, would only recurse).
    /// </summary>
    public static readonly string Hocon = $$"""
        {{Id}} {
          type = "{{typeof(CallingThreadDispatcherConfigurator).AssemblyQualifiedName}}"
          throughput = 2147483647
        }
        akka.loggers-dispatcher = {{Id}}
        """;

    public override MessageDispatcher Dispatcher() => new CallingThreadDispatcher(this);

    private sealed class CallingThreadDispatcher(MessageDispatcherConfigurator configurator) : MessageDispatcher(configurator)
    {
        protected override void ExecuteTask(IRunnable run) => run.Run();

        protected override void Shutdown()
        {
            // No threads of its own.
        }
    }
}
