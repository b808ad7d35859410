using Akka.Actor;
using Akka.DistributedData;

namespace PoetryActors.Cluster;

/// <summary>
/// The catalog's few operations on the local DistributedData replicator, as Tasks: list the
/// catalog keys, read, write and delete one chunk, all local (<c>ReadLocal</c>,
/// <c>WriteLocal</c>: gossip does the rest). It asks the replicator directly rather than through
/// <c>DistributedData.GetAsync</c> and friends, which match the answer to the request by
/// reference and so fail whenever messages are serialized (<c>serialize-messages = on</c>).
/// </summary>
internal sealed class CatalogReplica(IActorRef replicator, Akka.Cluster.UniqueAddress self)
{
    private static readonly TimeSpan AskLimit = TimeSpan.FromSeconds(10);

    /// <summary>The replica of <paramref name="system"/>.</summary>
    public static CatalogReplica Of(ActorSystem system) =>
        new(DistributedData.Get(system).Replicator, Akka.Cluster.Cluster.Get(system).SelfUniqueAddress);

    /// <summary>The ids of every catalog key this replica holds (deleted ones excluded).</summary>
    public async Task<IReadOnlyList<string>> KeysAsync()
    {
        var result = await replicator.Ask<GetKeysIdsResult>(Dsl.GetKeyIds, AskLimit).ConfigureAwait(false);
        return result.Keys.Where(k => CatalogKeys.OwnerOf(k) is not null).ToList();
    }

    /// <summary>The chunk under <paramref name="keyId"/>, or null when there is none (or it was deleted).</summary>
    public async Task<CatalogChunk?> GetAsync(string keyId)
    {
        var key = new LWWRegisterKey<CatalogChunk>(keyId);
        var answer = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), AskLimit).ConfigureAwait(false);
        return answer switch
        {
            GetSuccess success => success.Get(key).Value,
            NotFound or DataDeleted => null,
            _ => throw new InvalidOperationException($"reading {keyId} failed: {answer}"),
        };
    }

    /// <summary>
    /// Writes <paramref name="chunk"/> under its key: this member is its only writer, so its newest
    /// value wins. <paramref name="consistency"/> (local by default) says who is sent the write at
    /// once; a write that not every replica acknowledged in time is still written here, and gossip
    /// carries it to the others, so a timeout is no failure.
    /// </summary>
    public async Task PutAsync(CatalogChunk chunk, IWriteConsistency? consistency = null)
    {
        var update = Dsl.Update(CatalogKeys.For(chunk.Owner, chunk.Index), new LWWRegister<CatalogChunk>(self, chunk), consistency ?? WriteLocal.Instance,
            register => register.WithValue(self, chunk));
        var limit = consistency is null ? AskLimit : consistency.Timeout + AskLimit;
        var answer = await replicator.Ask<IUpdateResponse>(update, limit).ConfigureAwait(false);
        if (answer is not (UpdateSuccess or UpdateTimeout))
        {
            throw new InvalidOperationException($"writing chunk {chunk.Index} failed: {answer}");
        }
    }

    /// <summary>Deletes the chunk under <paramref name="keyId"/> on every replica (gossip carries the tombstone).</summary>
    public async Task DeleteAsync(string keyId)
    {
        var answer = await replicator.Ask<IDeleteResponse>(Dsl.Delete(new LWWRegisterKey<CatalogChunk>(keyId), WriteLocal.Instance), AskLimit).ConfigureAwait(false);
        if (answer is not (DeleteSuccess or DataDeleted))
        {
            throw new InvalidOperationException($"deleting {keyId} failed: {answer}");
        }
    }
}
