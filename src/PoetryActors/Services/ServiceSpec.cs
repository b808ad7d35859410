using Akka.Actor;

namespace PoetryActors.Services;

/// <summary>
/// What a collection needs to create one child service: its name (unique in the collection, also
/// the child actor's name) and the props of the actor that answers <see cref="ServiceProtocol"/>.
/// A nested collection is simply a spec whose props are a <see cref="ServiceCollectionActor"/>.
/// </summary>
public sealed record ServiceSpec
{
    public ServiceSpec(string name, Props props)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("a service needs a name", nameof(name));
        }

        if (!ActorPath.IsValidPathElement(name))
        {
            throw new ArgumentException($"'{name}' cannot name a service: use letters, digits and '-'", nameof(name));
        }

        Name = name;
        Props = props;
    }

    /// <summary>The service's name within its collection.</summary>
    public string Name { get; }

    /// <summary>How to create (and re-create, after a crash) the service actor.</summary>
    public Props Props { get; }

    /// <summary>
    /// How long the service's collection waits for its start, when that is not the collection's own
    /// start-timeout: a nested collection starts its children one after another, so it may take
    /// as long as they all may. Null for a leaf service.
    /// </summary>
    public TimeSpan? StartBudget { get; init; }

    /// <summary>How long the service's collection waits for its stop; as <see cref="StartBudget"/>, for stops.</summary>
    public TimeSpan? StopBudget { get; init; }

    /// <summary>
    /// What the service was built from, compared by value on a reload (<see cref="ReloadPlan"/>): for
    /// a deployment entry, the checked entry itself, whose poems compare by digest. A reload leaves a
    /// running child alone when its revision equals the wanted one's; null (a service added by hand)
    /// never does.
    /// </summary>
    internal object? Revision { get; init; }

    // A nested collection answers a little after its last child: its parent waits that much more
    // than the children's timeouts add up to, so the nested collection's own cut-off comes first.
    private static readonly TimeSpan CollectionMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A collection of the given children, itself a service (Twisted's <c>MultiService</c>). Its
    /// budgets are its children's added up (each child's own budget, or <paramref name="settings"/>'
    /// timeouts for a leaf), so timeouts compose however deep collections nest.
    /// </summary>
    public static ServiceSpec Collection(string name, IEnumerable<ServiceSpec> children, ServiceCollectionSettings? settings = null)
    {
        var list = children.ToList();
        var s = settings ?? ServiceCollectionSettings.Default;
        return new ServiceSpec(name, ServiceCollectionActor.Props(list, s))
        {
            StartBudget = Total(list.Select(c => c.StartBudget ?? s.StartTimeout)),
            StopBudget = Total(list.Select(c => c.StopBudget ?? s.StopTimeout)),
        };
    }

    private static TimeSpan Total(IEnumerable<TimeSpan> spans) => spans.Aggregate(CollectionMargin, (sum, span) => sum + span);
}
