using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Hosting;
using Akka.Hosting.Logging;
using Akka.Util;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PoetryActors.Hosting;

/// <summary>
/// Creates the actor system of a single node (one that joins no cluster) from the same
/// Akka.Hosting builder, with the same setups, as Akka.Hosting's own factory does, but without
/// reading the app.config. <c>ActorSystem.Create(name, setup)</c> of Akka 1.5.73 evaluates
/// <c>ConfigurationFactory.Load()</c> even when the setup carries its config, and throws the
/// result away: that loads System.Configuration, System.Private.Xml, the crypto stack (it hashes
/// the executable's path) and more, about 5 MB of an idle node's RSS (measured with
/// tests/benchmarks/run-memory-bench.sh: 72 MB idle with Akka.Hosting's factory, 67 MB with
/// this). Akka itself no longer does it on .NET 6+ from 1.6 on (akka.net PR 7456).
/// </summary>
/// <remarks>
/// Akka.Hosting's factory also adds the builder's serializers (<c>WithCustomSerializer</c>) and
/// extensions (<c>WithExtension</c>), which it keeps internal; only the cluster's builders add
/// either, so a cluster member keeps Akka.Hosting's factory. <c>ActorSystemWithoutAppConfigSpecs</c>
/// checks that a single node's builder holds neither.
/// </remarks>
internal static class ActorSystemWithoutAppConfig
{
    /// <summary>
    /// Registers the actor system, after <c>AddAkka</c> (the last registration of a service is the
    /// one resolved), so that the host, Akka.Hosting's hosted service and its actor registry all
    /// get this one.
    /// </summary>
    public static IServiceCollection AddActorSystemWithoutAppConfig(this IServiceCollection services, string actorSystemName) =>
        services.AddSingleton(provider => Create(actorSystemName, provider));

    private static ActorSystem Create(string name, IServiceProvider provider)
    {
        // Resolving the builder runs AddAkka's configuration callback, as Akka.Hosting's factory does.
        var builder = provider.GetRequiredService<AkkaConfigurationBuilder>();
        var config = builder.Configuration.GetOrElse(Config.Empty);
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        if (builder.ActorRefProvider.HasValue)
        {
            bootstrap = bootstrap.WithActorRefProvider(builder.ActorRefProvider.Value);
        }

        ActorSystemSetup setup = bootstrap.And(DependencyResolverSetup.Create(provider));
        if (!builder.Setups.Any(s => s is LoggerFactorySetup) && provider.GetService<ILoggerFactory>() is { } loggerFactory)
        {
            setup = setup.And(new LoggerFactorySetup(loggerFactory));
        }

        foreach (var extra in builder.Setups)
        {
            setup = setup.And(extra);
        }

        // What ActorSystem.Create does once it has the config, minus the app.config it would read.
        var system = new ActorSystemImpl(name, config, setup, Option<Props>.None);
        system.Start();
        return system;
    }
}
