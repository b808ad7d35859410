using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using PoetryActors.Kinds;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Cluster;

/// <summary>
/// Asks a running cluster for its catalog from outside it, without joining: Akka's cluster client
/// contacts the receptionist of one of the given members (<c>HOST:PORT</c> of their remoting) and
/// sends <see cref="GetCatalog"/> to that member's catalog. A command that asks once and leaves
/// (<c>get --cluster</c>) asks the members' catalogs directly instead (<c>AskMembersAsync</c>):
/// one round trip, where the cluster client first asks for the receptionists' list, then
/// identifies every receptionist on it, before the question goes out. <see cref="Config"/> is
/// what the client's actor system needs (remoting on an ephemeral port, our serializer, the
/// cluster client's non-legacy serialization).
/// </summary>
public static class CatalogClient
{
    /// <summary>The answer, or why there is none.</summary>
    public abstract record Answer
    {
        private Answer()
        {
        }

        /// <summary>A member answered with <paramref name="Catalog"/>.</summary>
        public sealed record Answered(CurrentCatalog Catalog) : Answer;

        /// <summary>No contact point answered: <paramref name="Reason"/> names every address tried.</summary>
        public sealed record NoAnswer(string Reason) : Answer;
    }

    /// <summary>
    /// The client's actor system configuration: remoting on <paramref name="hostname"/> (port 0) with
    /// the cluster's frame size, and our serializer.
    /// </summary>
    public static Config Config(string hostname = "127.0.0.1", int? maximumFrameSize = null)
    {
        var frame = (maximumFrameSize ?? PoetryClusterSettings.Default.MaximumFrameSize).ToString(CultureInfo.InvariantCulture);
        return ConfigurationFactory.ParseString($$"""
            akka {
              actor.provider = remote
              remote {
                dot-netty.tcp {
                  hostname = "{{hostname}}"
                  port = 0
                  maximum-frame-size = {{frame}}b
                }
                # A contact point that is down is the answer's business, not a log line's.
                log-remote-lifecycle-events = off
              }
              cluster.client {
                use-legacy-serialization = off
                establishing-get-contacts-interval = 250ms
              }
            }
            """).WithFallback(SerializerConfig);
    }

    /// <summary>Our serializer bound to <see cref="IPoetryClusterMessage"/>, for an actor system built without Akka.Hosting.</summary>
    public static Config SerializerConfig { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.{{PoetryClusterHostingExtensions.SerializerName}} = "{{typeof(CatalogSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(IPoetryClusterMessage).FullName}}, {{typeof(IPoetryClusterMessage).Assembly.GetName().Name}}" = {{PoetryClusterHostingExtensions.SerializerName}}
          }
        }
        """);

    /// <summary>
    /// Asks the cluster through <paramref name="contacts"/> (members' remoting addresses) for its
    /// catalog, waiting at most <paramref name="timeout"/>.
    /// </summary>
    public static async Task<Answer> QueryAsync(ActorSystem system, IReadOnlyList<NetAddress> contacts, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var paths = contacts.Select(c => ActorPath.Parse($"akka.tcp://{PoetryClusterSettings.SystemName}@{c}/system/receptionist")).ToImmutableHashSet();
        var settings = ClusterClientSettings.Create(system).WithInitialContacts(paths);
        var client = system.ActorOf(ClusterClient.Props(settings), $"catalog-client-{Guid.NewGuid():N}");
        try
        {
            var answer = await client.Ask<object>(new ClusterClient.Send(ServicePath, GetCatalog.Instance, localAffinity: true), timeout, cancellationToken)
                .ConfigureAwait(false);
            return answer is CurrentCatalog catalog
                ? new Answer.Answered(catalog)
                : new Answer.NoAnswer($"the cluster answered {answer} instead of its catalog");
        }
        catch (AskTimeoutException)
        {
            var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            return new Answer.NoAnswer($"no contact point of the cluster answered within {seconds}s (tried {string.Join(", ", contacts)})");
        }
        finally
        {
            system.Stop(client);
        }
    }

    /// <summary>
    /// Asks the catalog of every member in <paramref name="contacts"/> at once, over remoting
    /// (<c>akka.tcp://poetry@HOST:PORT/user/catalog</c>), and takes the first answer; no answer
    /// within <paramref name="timeout"/> is a <see cref="Answer.NoAnswer"/> naming every address tried.
    /// </summary>
    internal static async Task<Answer> AskMembersAsync(ActorSystem system, IReadOnlyList<NetAddress> contacts, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var asks = contacts
            .Select(c => system.ActorSelection($"akka.tcp://{PoetryClusterSettings.SystemName}@{c}{ServicePath}").Ask<CurrentCatalog>(GetCatalog.Instance, timeout, cancellationToken))
            .ToList();
        string? refusal = null;
        while (asks.Count > 0)
        {
            var done = await Task.WhenAny(asks).ConfigureAwait(false);
            if (done.IsCompletedSuccessfully)
            {
                return new Answer.Answered(done.Result);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (done.Exception?.GetBaseException() is { } e and not AskTimeoutException)
            {
                refusal ??= e.Message;
            }

            asks.Remove(done);
        }

        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return new Answer.NoAnswer(refusal is null
            ? $"no contact point of the cluster answered within {seconds}s (tried {string.Join(", ", contacts)})"
            : $"no contact point of the cluster gave its catalog (tried {string.Join(", ", contacts)}): {refusal}");
    }
}
