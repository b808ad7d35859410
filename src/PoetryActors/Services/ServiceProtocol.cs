using Akka.Actor;

namespace PoetryActors.Services;

/// <summary>
/// The messages every service answers (Twisted's <c>IService</c>) and the extra ones a
/// service collection answers (Twisted's <c>IServiceCollection</c>). Starting and stopping are
/// commands answered only once the work is really done; expected failures come back as answers.
/// </summary>
public static class ServiceProtocol
{
    /// <summary>Start the service; answered by <see cref="ServiceStarted"/> or <see cref="ServiceStartFailed"/>.</summary>
    public sealed record StartService
    {
        public static readonly StartService Instance = new();
        private StartService() { }
    }

    /// <summary>The service is running.</summary>
    public sealed record ServiceStarted(string Name);

    /// <summary>
    /// The service could not start. <paramref name="ServicePath"/> names the service that failed,
    /// relative to the one that answers (<c>ecstasy/listener</c>; empty when it is the one answering),
    /// and <paramref name="Reason"/> says why.
    /// </summary>
    public sealed record ServiceStartFailed(string ServicePath, string Reason)
    {
        /// <summary>The failure as one line an operator can act on.</summary>
        public override string ToString() => ServicePath.Length == 0 ? Reason : $"{ServicePath}: {Reason}";
    }

    /// <summary>Stop the service; answered by <see cref="ServiceStopped"/> once it has really finished.</summary>
    public sealed record StopService
    {
        public static readonly StopService Instance = new();
        private StopService() { }
    }

    /// <summary>The service has stopped: its sockets are closed and its transfers are done or cut.</summary>
    public sealed record ServiceStopped(string Name);

    /// <summary>Ask a service whether it runs; answered by <see cref="CurrentStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
        private GetStatus() { }
    }

    /// <summary>A service's name and running state.</summary>
    public sealed record CurrentStatus(string Name, bool Running);

    /// <summary>Look a child up by name (<c>getServiceNamed</c>); answered by <see cref="CurrentService"/> or <see cref="NoSuchService"/>.</summary>
    public sealed record GetServiceNamed(string Name);

    /// <summary>The child of that name. <paramref name="Service"/> is <c>Nobody</c> while the child waits to be restarted.</summary>
    public sealed record CurrentService(string Name, IActorRef Service, bool Running);

    /// <summary>No child has that name.</summary>
    public sealed record NoSuchService(string Name)
    {
        public override string ToString() => $"no such service: '{Name}'";
    }

    /// <summary>List the children in insertion order; answered by <see cref="CurrentServices"/>.</summary>
    public sealed record GetServices
    {
        public static readonly GetServices Instance = new();
        private GetServices() { }
    }

    /// <summary>The children of a collection, in insertion (start) order.</summary>
    public sealed record CurrentServices(IReadOnlyList<CurrentStatus> Services);

    /// <summary>
    /// Add a child (<c>addService</c>); answered by <see cref="ServiceAdded"/> or <see cref="AddServiceRefused"/>.
    /// A child added to a running collection is started before the answer. It goes last (it starts
    /// last and stops first), or just before the sibling named <see cref="Before"/> when there is one.
    /// </summary>
    public sealed record AddService(ServiceSpec Service)
    {
        /// <summary>The sibling to insert the child before; null (or no such sibling) appends it.</summary>
        public string? Before { get; init; }
    }

    /// <summary>The child was added (and started, when its collection runs).</summary>
    public sealed record ServiceAdded(string Name);

    /// <summary>The child was not added: a duplicate name, or it could not start.</summary>
    public sealed record AddServiceRefused(string Name, string Reason)
    {
        public override string ToString() => $"cannot add service '{Name}': {Reason}";
    }

    /// <summary>
    /// Remove a child (<c>removeService</c>); a running child is stopped first. Answered by
    /// <see cref="ServiceRemoved"/> once it has stopped, or <see cref="NoSuchService"/>.
    /// </summary>
    public sealed record RemoveService(string Name);

    /// <summary>The child has stopped and is gone.</summary>
    public sealed record ServiceRemoved(string Name);
}
