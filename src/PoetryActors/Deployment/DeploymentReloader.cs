using Akka.Actor;
using Akka.Event;
using PoetryActors.Services;
using static PoetryActors.Services.ReloadProtocol;

namespace PoetryActors.Deployment;

/// <summary>
/// Applies a re-read deployment to a running node (what SIGHUP does): the new file is loaded and
/// checked in full first (its props built once, as the node will run them), and any problem
/// refuses the whole reload, the services running on as they were. Otherwise the wanted services
/// go to the root collection in one <see cref="ReloadServices"/>; the collection, which alone knows
/// what runs, works out the <see cref="ReloadPlan"/>, carries it out (untouched services never
/// stop; a changed service whose new version cannot start, its new port taken say, is put back as
/// it was) and answers how it went. The unit of change is a top-level entry; settings outside
/// <c>poetry.node.services</c> apply to the services started from then on. Reloads never overlap:
/// the collection takes them one after the other from its mailbox. The reloader keeps nothing of
/// the node's state.
/// </summary>
internal sealed class DeploymentReloader
{
    // Each step is bounded by the collection's own start and stop timeouts; this only guards
    // against an answer that never comes (the root gone), generous enough for a large reload.
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromMinutes(10);

    private readonly IActorRef _node;
    private readonly ILoggingAdapter _log;
    private readonly Func<DeploymentEntry, string?> _whyNotStartable;

    /// <summary>
    /// A reloader for the node root <paramref name="node"/>. <paramref name="whyNotStartable"/>
    /// says why this process could not start an entry any more (a port below 1024 once the node
    /// has dropped root), or null when it can: a reload that would need such a start is refused
    /// whole, before anything stops.
    /// </summary>
    public DeploymentReloader(IActorRef node, ILoggingAdapter log, Func<DeploymentEntry, string?>? whyNotStartable = null)
    {
        _node = node;
        _log = log;
        _whyNotStartable = whyNotStartable ?? (_ => null);
    }

    /// <summary>
    /// Loads the deployment with <paramref name="load"/> (which throws <see cref="DeploymentException"/>
    /// on any problem) and has the node apply it; logs every step and returns how it went.
    /// </summary>
    public async Task<ReloadOutcome> ReloadAsync(Func<NodeDeployment> load, CancellationToken cancellationToken = default)
    {
        NodeDeployment next;
        IReadOnlyList<ServiceSpec> specs;
        try
        {
            next = load();
            specs = next.ToServiceSpecs();
        }
        catch (DeploymentException e)
        {
            return Refuse(e.Errors);
        }
        catch (Exception e)
        {
            return Refuse([new DeploymentError("(reload)", null, null, $"{e.GetType().Name}: {e.Message}")]);
        }

        var unstartable = new Dictionary<string, string>();
        foreach (var entry in next.Services)
        {
            if (_whyNotStartable(entry) is { } reason)
            {
                unstartable[entry.Name] = reason;
            }
        }

        var answer = await _node.Ask<object>(new ReloadServices(specs, unstartable), AnswerLimit, cancellationToken);
        switch (answer)
        {
            case ReloadRefused refused:
                return Refuse(refused.Unstartable.Select(u => new DeploymentError(next.Source, u.Name, null, u.Reason)).ToList());
            case ServicesReloaded { Plan: var plan, Failures: var failures } reloaded:
                if (plan.IsEmpty)
                {
                    _log.Info("reloaded {0}: {1}", next.Source, plan);
                }
                else if (failures.Count == 0)
                {
                    _log.Info("reloaded {0}: {1} restarted, {2} added, {3} removed, {4} unchanged",
                        next.Source, plan.Changed.Count, plan.Added.Count, plan.Removed.Count, plan.Unchanged.Count);
                }
                else
                {
                    _log.Warning("reloaded {0} with {1} failures: {2}", next.Source, failures.Count, string.Join("; ", failures));
                }

                return new ReloadOutcome(next.Source, [], plan, failures, EntriesOf(reloaded.Running));
            default:
                throw new InvalidOperationException($"unexpected answer to a reload: {answer}");
        }
    }

    // Every top-level service of a node started from a deployment was built from an entry.
    private static IReadOnlyList<DeploymentEntry> EntriesOf(IEnumerable<ServiceSpec> running) =>
        running.Select(s => s.Revision).OfType<DeploymentEntry>().ToList();

    private ReloadOutcome Refuse(IReadOnlyList<DeploymentError> errors)
    {
        foreach (var error in errors)
        {
            _log.Error("reload refused: {0}", error);
        }

        _log.Warning("reload refused: the running services are left as they were");
        return new ReloadOutcome(errors.FirstOrDefault()?.Source ?? "", errors, null, [], null);
    }
}
