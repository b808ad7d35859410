using Akka.Actor;
using PoetryActors.Cluster;
using PoetryActors.Kinds;

namespace PoetryNode.Cluster;

/// <summary>
/// <c>get --cluster</c>'s one question to the cluster, under way from the moment it is made:
/// <see cref="OverRemoting"/>, the actor system with remoting that asks it (started on a thread of
/// its own, while the command starts the rest), then the members' catalogs asked at once
/// (<see cref="Answer"/>, the first to answer wins; a remoting that cannot start is an answer too,
/// saying why); or <see cref="OverHttp"/>, the members' status endpoints asked at once with no
/// actor system at all (one is started beside it only when the cluster's transforms need
/// remoting). <see cref="Release"/>
/// shuts that system down as soon as nothing needs it any more, so its shutdown overlaps the
/// downloads; disposing waits for the shutdown (bounded), so the members see this client leave
/// rather than vanish.
/// </summary>
internal sealed class CatalogQuestion : IAsyncDisposable
{
    private static readonly TimeSpan TerminateLimit = TimeSpan.FromSeconds(5);

    private readonly Task<ActorSystem>? _system;
    private int _released;

    private CatalogQuestion(Task<ActorSystem>? system, Task<CatalogClient.Answer> answer)
    {
        _system = system;
        Answer = answer;
    }

    /// <summary>The catalog, or why there is none.</summary>
    public Task<CatalogClient.Answer> Answer { get; }

    /// <summary>The question asked over remoting from <paramref name="system"/>, of the members' catalogs at <paramref name="contacts"/>.</summary>
    public static CatalogQuestion OverRemoting(Task<ActorSystem> system, IReadOnlyList<NetAddress> contacts, TimeSpan timeout, CancellationToken cancellationToken) =>
        new(system, AskAsync(system, contacts, timeout, cancellationToken));

    /// <summary>
    /// The question asked over HTTP of the members' status endpoints at <paramref name="contacts"/>;
    /// <paramref name="remoting"/>, when given, is started beside it for actors that must talk to
    /// the members (the cluster's transform router).
    /// </summary>
    public static CatalogQuestion OverHttp(IReadOnlyList<Uri> contacts, TimeSpan timeout, Task<ActorSystem>? remoting, CancellationToken cancellationToken) =>
        // On a thread of its own: the HTTP client's first request (its handler, connection pool and
        // parser, loaded and compiled at every start) ran on the command's thread up to its connect,
        // ahead of the actor system the downloads need; beside it, both use the box's cores.
        new(remoting, Task.Run(() => HttpCatalogClient.AskAsync(contacts, timeout, cancellationToken), CancellationToken.None));

    /// <summary>The system with remoting, once started (for actors that must talk to the members); null when there is none or it could not start.</summary>
    public async Task<ActorSystem?> RemotingAsync()
    {
        if (_system is null)
        {
            return null;
        }

        try
        {
            return await _system.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private ActorSystem? System => _system is { IsCompletedSuccessfully: true } started ? started.Result : null;

    private static async Task<CatalogClient.Answer> AskAsync(Task<ActorSystem> starting, IReadOnlyList<NetAddress> contacts, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ActorSystem system;
        try
        {
            system = await starting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new CatalogClient.Answer.NoAnswer($"cannot start remoting to ask the cluster: {e.GetBaseException().Message}");
        }

        return await CatalogClient.AskMembersAsync(system, contacts, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shuts the question's system down (once); what it was asked is answered.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0 && System is { } system)
        {
            _ = system.Terminate();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Release();
        if (_system is null)
        {
            return;
        }

        try
        {
            var system = await _system.ConfigureAwait(false);
            await system.WhenTerminated.WaitAsync(TerminateLimit).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Nothing is left to wait for: the answer is in, or no longer wanted.
        }
        catch (Exception)
        {
            // A system that never started has nothing to shut down; the answer said why.
        }
    }
}
