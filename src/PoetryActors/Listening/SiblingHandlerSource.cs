using Akka.Actor;
using Akka.Event;
using PoetryActors.Services;

namespace PoetryActors.Listening;

/// <summary>
/// Handler sources that ask a sibling service for what the connections need (a poem, the
/// transforms) each time the listener starts, as the tutorial's protocol factory holds its
/// service: a restarted sibling's new state is served once the listener restarts too.
/// </summary>
internal static class SiblingHandlerSource
{
    // The sibling answers from memory; this only guards against one that is not there.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Asks the sibling <paramref name="service"/> <paramref name="question"/>; <paramref name="makeHandler"/>
    /// turns the answer into the handler, or returns null for an answer that refuses (an
    /// <see cref="IServiceUnavailable"/>), whose reason then refuses the listener's start.
    /// </summary>
    public static Func<IActorContext, Task<IConnectionHandler>> Ask(
        string service, object question, Func<object, ILoggingAdapter, IConnectionHandler?> makeHandler) => async context =>
    {
        var log = context.GetLogger();
        var answer = await context.ActorSelection($"../{service}").Ask(question, AskTimeout);
        return makeHandler(answer, log)
            ?? throw new ServiceStartException(answer is IServiceUnavailable unavailable
                ? unavailable.Reason
                : $"unexpected answer from the {service} service: {answer}");
    };
}
