using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using PoetryActors.Instruments;
using PoetryActors.Listening;
using PoetryActors.Server;
using static PoetryActors.Proxy.ProxyProtocol;

namespace PoetryActors.Proxy;

/// <summary>
/// The proxy's side toward clients (the tutorial's <c>PoetryProxyProtocol</c>): for each
/// connection it asks the cache service for the poem and writes it with the fast poem protocol,
/// or closes with zero bytes when there is none. While it waits it watches the client: a client
/// that resets withdraws its request, so that a fetch nobody waits for is cancelled. A client that
/// only half-closes (a FIN: <c>nc -N</c>, <c>shutdown(SHUT_WR)</c>) has said it will send nothing
/// more, not that it stopped listening, and is served like any other, as fastpoetry does. A client
/// that takes no byte of the poem for the stall timeout is reset. Never blocks the accept thread:
/// the wait is a pending task.
/// </summary>
/// <remarks>
/// Only a complete fetch is cached and a cached poem never changes, so once the cache has
/// answered with the poem this handler keeps it and serves every later connection from memory at
/// once on the accept thread, logging <c>Using cached poem.</c> as the cache would, without a
/// question to the cache per connection (measured: that question cost the proxy more than half its
/// throughput next to a plain poem server). The cache is asked only while this handler has no poem;
/// a new handler, from a restarted listener, asks again.
/// </remarks>
internal sealed class ProxyConnectionHandler(ICanTell cache, TimeSpan askTimeout, ILoggingAdapter log, TimeSpan? stallTimeout = null) : IInstrumentedHandler
{
    private ServiceInstruments _instruments = ServiceInstruments.Unassigned;

    private readonly TimeSpan _stallTimeout = stallTimeout ?? PoemWriter.DefaultStallTimeout;

    // Request ids are unique in the process, so the handlers of a restarted listener never
    // collide with requests of the previous one still waiting in the cache.
    private static long _lastRequestId;

    // Clients of the poem protocol send nothing; whatever they do send is read into this shared
    // buffer and thrown away, only to notice their close. Its contents are never looked at.
    private static readonly byte[] Discard = new byte[256];

    // The poem once the cache has answered with it; written by whichever connection learns it first.
    private volatile byte[]? _poem;

    /// <inheritdoc />
    public void UseInstruments(ServiceInstruments instruments) => _instruments = instruments.Offering(ServiceRoles.Poems | ServiceRoles.Proxy);

    /// <inheritdoc />
    public ValueTask ServeAsync(Socket connection, CancellationToken cancel)
    {
        if (_poem is not { } poem)
        {
            return ServeFromCacheAsync(connection, cancel);
        }

        if (log.IsInfoEnabled)
        {
            log.Info("Using cached poem.");
            log.Info("sending {0} bytes of poetry to {1}", poem.Length, AcceptLoop.PeerOf(connection));
        }

        _instruments.CacheHit();
        return _instruments.CountPoem(PoemWriter.WriteAsync(connection, poem, _stallTimeout, cancel), poem.Length);
    }

    private async ValueTask ServeFromCacheAsync(Socket connection, CancellationToken cancel)
    {
        var requestId = Interlocked.Increment(ref _lastRequestId);
        object? answer;
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            var asked = cache.Ask<object>(new GetCachedPoem(requestId), askTimeout, waiting.Token);
            var gone = WaitForCloseAsync(connection, waiting.Token);
            await Task.WhenAny(asked, gone).ConfigureAwait(false);
            // Ends whichever is still pending: the watch on the client, or the question.
            await waiting.CancelAsync().ConfigureAwait(false);
            await Settle(gone).ConfigureAwait(false);
            await Settle(asked).ConfigureAwait(false);

            if (!asked.IsCompletedSuccessfully)
            {
                cache.Tell(new CancelPoemRequest(requestId), ActorRefs.NoSender);
                if (cancel.IsCancellationRequested)
                {
                    return;
                }

                if (gone.IsCompletedSuccessfully)
                {
                    log.Debug("{0} reset the connection before the poem was ready", AcceptLoop.SafePeer(connection));
                }
                else
                {
                    log.Warning("no poem for {0}: the cache did not answer within {1:0.##} s", AcceptLoop.SafePeer(connection), askTimeout.TotalSeconds);
                }

                return;
            }
            answer = asked.Result;
        }

        switch (answer)
        {
            case CachedPoem cached:
                _poem = cached.Poem;
                if (log.IsInfoEnabled)
                {
                    log.Info("sending {0} bytes of poetry to {1}", cached.Poem.Length, AcceptLoop.PeerOf(connection));
                }

                await _instruments.CountPoem(PoemWriter.WriteAsync(connection, cached.Poem, _stallTimeout, cancel), cached.Poem.Length).ConfigureAwait(false);
                break;
            case PoemNotAvailable none:
                // As the original: a close with no bytes. The reason is for the log only.
                log.Info("no poem for {0}: {1}", AcceptLoop.SafePeer(connection), none.Reason);
                break;
            default:
                log.Warning("no poem for {0}: unexpected answer from the cache: {1}", AcceptLoop.SafePeer(connection), answer);
                break;
        }
    }

    /// <summary>
    /// Completes when the client resets the connection; cancelled when the poem is ready first. A
    /// FIN (the read of 0 bytes) is a half-close: the client may still read, so after it only the
    /// poem is awaited.
    /// </summary>
    private static async Task WaitForCloseAsync(Socket connection, CancellationToken cancel)
    {
        try
        {
            while (await connection.ReceiveAsync(Discard, SocketFlags.None, cancel).ConfigureAwait(false) > 0) { }
        }
        catch (SocketException)
        {
            // A reset: the client is gone.
            return;
        }
        await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false);
    }

    /// <summary>Waits for a task that may have failed or been cancelled, without throwing; its state tells the outcome.</summary>
    private static async Task Settle(Task task)
    {
        try { await task.ConfigureAwait(false); }
        catch (Exception) { /* looked at through the task's state */ }
    }
}
