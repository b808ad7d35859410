using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using PoetryActors.Kinds;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Cluster.Watch;

/// <summary>
/// Watches a running cluster from outside it: one cluster client stays open to the given contact
/// points (it moves to another when the member it uses goes away) and asks for the catalog every
/// <c>interval</c>; each difference from the previous answer is reported as a
/// <see cref="CatalogChange"/>, the first answer as changes from nothing. A poll that gets no
/// answer within the timeout reports <c>contact-lost</c> once, and the next answer
/// <c>contact-regained</c> with what changed meanwhile. Runs until cancelled.
/// </summary>
public static class CatalogWatch
{
    /// <summary>How the watch ended.</summary>
    public enum Ending
    {
        /// <summary>Cancelled (Ctrl+C) after at least one answer.</summary>
        Cancelled,

        /// <summary>No contact point answered the first question within the timeout.</summary>
        NeverAnswered,
    }

    /// <summary>
    /// Watches through <paramref name="contacts"/> until <paramref name="cancellationToken"/> is
    /// cancelled, calling <paramref name="onChange"/> for each change as it is seen. When no
    /// contact point answers the first question within <paramref name="timeout"/>,
    /// <paramref name="noAnswer"/> gets the reason (naming every address tried) and the watch ends.
    /// </summary>
    public static async Task<Ending> RunAsync(
        ActorSystem system, IReadOnlyList<NetAddress> contacts, TimeSpan interval, TimeSpan timeout,
        Action<CatalogChange> onChange, Action<string> noAnswer, CancellationToken cancellationToken)
    {
        var paths = contacts.Select(c => ActorPath.Parse($"akka.tcp://{PoetryClusterSettings.SystemName}@{c}/system/receptionist")).ToImmutableHashSet();
        var client = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system).WithInitialContacts(paths)), $"catalog-watch-{Guid.NewGuid():N}");
        CurrentCatalog? last = null;
        var lost = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var started = DateTime.UtcNow;
                CurrentCatalog? current = null;
                string? failure = null;
                try
                {
                    current = await client.Ask<CurrentCatalog>(new ClusterClient.Send(ServicePath, GetCatalog.Instance, localAffinity: true), timeout, cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    // A timeout, or a member that failed to read its catalog: reported below, the
                    // first time as the end, later as a lost contact.
                    failure = e is AskTimeoutException ? null : e.GetBaseException().Message;
                }

                var now = DateTimeOffset.UtcNow;
                if (current is null)
                {
                    var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                    var reason = failure is null
                        ? $"no contact point of the cluster answered within {seconds}s (tried {string.Join(", ", contacts)})"
                        : $"the cluster could not answer: {failure}";
                    if (last is null)
                    {
                        noAnswer(reason);
                        return Ending.NeverAnswered;
                    }
                    if (!lost)
                    {
                        onChange(new CatalogChange(now, "contact-lost", string.Join(",", contacts), reason));
                    }

                    lost = true;
                }
                else
                {
                    if (lost)
                    {
                        onChange(new CatalogChange(now, "contact-regained", Short(current.Answerer), "answered"));
                    }

                    lost = false;
                    foreach (var change in CatalogChange.Between(last, current, now))
                    {
                        onChange(change);
                    }

                    last = current;
                }

                var wait = interval - (DateTime.UtcNow - started);
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
            return Ending.Cancelled;
        }
        finally
        {
            system.Stop(client);
        }
    }

    private static string Short(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 ? address[(at + 1)..] : address;
    }
}
