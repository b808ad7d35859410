using Akka.Actor;

namespace PoetryActors.Services;

/// <summary>
/// How a running node takes a re-read deployment: the root collection is told the children it
/// should have (<see cref="ReloadServices"/>), works out the <see cref="ReloadPlan"/> against the
/// children it runs, carries it out and answers <see cref="ServicesReloaded"/>, or
/// <see cref="ReloadRefused"/> before touching anything. What runs lives in the collection
/// alone; a reload is one message, so two in a row are applied one after the other through its
/// mailbox. These messages carry props and never leave the process.
/// </summary>
internal static class ReloadProtocol
{
    /// <summary>
    /// Make the collection's children <paramref name="Services"/>, in this order, each with its
    /// <see cref="ServiceSpec.Revision"/> (props built once, by the load that checked them).
    /// <paramref name="Unstartable"/> names the services this process could not start any more, with
    /// why (a port below 1024 once the node has dropped root): a plan that would start one of them
    /// is refused whole.
    /// </summary>
    public sealed record ReloadServices(IReadOnlyList<ServiceSpec> Services, IReadOnlyDictionary<string, string> Unstartable)
        : INoSerializationVerificationNeeded;

    /// <summary>
    /// The plan was carried out. Each of <paramref name="Failures"/> is a service that could not
    /// start (<c>name: reason</c>; a changed one was put back as it was when it could be), and
    /// <paramref name="Running"/> is what the collection holds now, in its order.
    /// </summary>
    public sealed record ServicesReloaded(ReloadPlan Plan, IReadOnlyList<string> Failures, IReadOnlyList<ServiceSpec> Running)
        : INoSerializationVerificationNeeded;

    /// <summary>Nothing was touched: the plan would start the services named, which cannot start, for the reasons given.</summary>
    public sealed record ReloadRefused(ReloadPlan Plan, IReadOnlyList<(string Name, string Reason)> Unstartable)
        : INoSerializationVerificationNeeded;
}
