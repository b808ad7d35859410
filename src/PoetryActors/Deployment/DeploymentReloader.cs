using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using PoetryActors.Services;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Deployment;

/// <summary>
/// Applies a re-read deployment to a running node (what SIGHUP does): the new file is loaded and
/// checked in full first, and any problem refuses the whole reload, the services running on as
/// they were. Otherwise the <see cref="ReloadPlan"/> between what runs and what the file wants is
/// carried out with the root collection's own messages, <see cref="RemoveService"/> then
/// <see cref="AddService"/>, one at a time, so untouched services never stop. A changed service
/// whose new version cannot start (its new port is taken, say) is put back as it was. The unit of
/// change is a top-level entry; settings outside <c>poetry.node.services</c> apply to the services
/// started from then on. Reloads never overlap: a second one waits for the first.
/// </summary>
internal sealed class DeploymentReloader
{
    // Each step is bounded by the collection's own start and stop timeouts; this only guards against a lost answer.
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(2);

    private readonly IActorRef _node;
    private readonly ILoggingAdapter _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<Running> _running;
    private readonly Func<DeploymentEntry, string?> _whyNotStartable;

    /// <summary>
    /// A reloader for the node root <paramref name="node"/>, which was started from
    /// <paramref name="deployment"/>, whose files were as <paramref name="deployed"/> says
    /// (see <see cref="Snapshot"/>; taken now when left out). <paramref name="whyNotStartable"/>
    /// says why this process could not start an entry any more (a port below 1024 once the node
    /// has dropped root), or null when it can: a reload that would need such a start is refused
    /// whole, before anything stops.
    /// </summary>
    public DeploymentReloader(IActorRef node, NodeDeployment deployment, ILoggingAdapter log, IReadOnlyList<DeployedEntry>? deployed = null,
        Func<DeploymentEntry, string?>? whyNotStartable = null)
    {
        _node = node;
        _log = log;
        _whyNotStartable = whyNotStartable ?? (_ => null);
        _running = (deployed ?? Snapshot(deployment)).Select(d => new Running(d, deployment.Config)).ToList();
    }

    /// <summary>
    /// <paramref name="deployment"/>'s entries with the digests of the files they loaded: the
    /// bytes the services serve, read once when the deployment was loaded.
    /// </summary>
    public static IReadOnlyList<DeployedEntry> Snapshot(NodeDeployment deployment) =>
        deployment.Services.Select(DeployedEntry.Capture).ToList();

    /// <summary>The top-level entries running now, in the root collection's order.</summary>
    public IReadOnlyList<DeploymentEntry> Entries => _running.Select(r => r.Deployed.Entry).ToList();

    /// <summary>
    /// Loads the deployment with <paramref name="load"/> (which throws <see cref="DeploymentException"/>
    /// on any problem) and applies it; logs every step and returns how it went.
    /// </summary>
    public async Task<ReloadOutcome> ReloadAsync(Func<NodeDeployment> load, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ReloadLockedAsync(load, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ReloadOutcome> ReloadLockedAsync(Func<NodeDeployment> load, CancellationToken cancellationToken)
    {
        NodeDeployment next;
        try
        {
            next = load();
        }
        catch (DeploymentException e)
        {
            return Refuse(e.Errors);
        }
        catch (Exception e)
        {
            return Refuse([new DeploymentError("(reload)", null, null, $"{e.GetType().Name}: {e.Message}")]);
        }

        // The poems were read once, by the load: what is compared is what will be served.
        var wanted = Snapshot(next);

        var plan = ReloadPlan.Between(_running.Select(r => r.Deployed).ToList(), wanted);
        if (plan.IsEmpty)
        {
            _log.Info("reloaded {0}: {1}", next.Source, plan);
            return new ReloadOutcome(next.Source, [], plan, []);
        }
        var unstartable = plan.Additions
            .Select(a => (a.Entry, Reason: _whyNotStartable(a.Entry.Entry)))
            .Where(u => u.Reason is not null)
            .Select(u => new DeploymentError(next.Source, u.Entry.Name, null, u.Reason!))
            .ToList();
        if (unstartable.Count > 0)
        {
            return Refuse(unstartable);
        }

        _log.Info("reload plan: {0}", plan);

        // Removals first: what they free (a port, a name) may be what an addition needs.
        var replaced = new Dictionary<string, Running>();
        foreach (var name in plan.Removals)
        {
            var answer = await _node.Ask<object>(new RemoveService(name), StepLimit, cancellationToken);
            if (answer is not (ServiceRemoved or NoSuchService))
            {
                _log.Warning("unexpected answer to removing {0}: {1}", name, answer);
            }

            var index = _running.FindIndex(r => r.Deployed.Name == name);
            replaced[name] = _running[index];
            _running.RemoveAt(index);
        }

        var failures = new List<string>();
        foreach (var addition in plan.Additions)
        {
            var fresh = new Running(addition.Entry, next.Config);
            if (await AddAsync(fresh, addition.Before, cancellationToken) is not { } reason)
            {
                continue;
            }

            failures.Add($"{addition.Entry.Name}: {reason}");
            _log.Error("reload: cannot start {0}: {1}", addition.Entry.Name, reason);
            if (replaced.TryGetValue(addition.Entry.Name, out var previous))
            {
                if (await AddAsync(previous, addition.Before, cancellationToken) is { } again)
                {
                    _log.Error("reload: cannot put the previous {0} back either: {1}", addition.Entry.Name, again);
                }
                else
                {
                    _log.Warning("reload: put the previous {0} back", addition.Entry.Name);
                }
            }
        }

        if (failures.Count == 0)
        {
            _log.Info("reloaded {0}: {1} restarted, {2} added, {3} removed, {4} unchanged",
                next.Source, plan.Changed.Count, plan.Added.Count, plan.Removed.Count, plan.Unchanged.Count);
        }
        else
        {
            _log.Warning("reloaded {0} with {1} failures: {2}", next.Source, failures.Count, string.Join("; ", failures));
        }

        return new ReloadOutcome(next.Source, [], plan, failures);
    }

    /// <summary>Adds a service to the node and to the model of it; null on success, else the reason it was refused.</summary>
    private async Task<string?> AddAsync(Running service, string? before, CancellationToken cancellationToken)
    {
        ServiceSpec spec;
        try
        {
            spec = service.Deployed.Entry.ToServiceSpec(service.Config);
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
        var answer = await _node.Ask<object>(new AddService(spec) { Before = before }, StepLimit, cancellationToken);
        if (answer is not ServiceAdded)
        {
            return answer is AddServiceRefused refused ? refused.Reason : $"unexpected answer: {answer}";
        }

        var at = before is null ? -1 : _running.FindIndex(r => r.Deployed.Name == before);
        _running.Insert(at >= 0 ? at : _running.Count, service);
        return null;
    }

    private ReloadOutcome Refuse(IReadOnlyList<DeploymentError> errors)
    {
        foreach (var error in errors)
        {
            _log.Error("reload refused: {0}", error);
        }

        _log.Warning("reload refused: the running services are left as they were");
        return new ReloadOutcome(errors.FirstOrDefault()?.Source ?? "", errors, null, []);
    }

    /// <summary>A running top-level service: what it was deployed from, and the settings it was built with.</summary>
    private sealed record Running(DeployedEntry Deployed, Config Config);
}
