using System.Collections;
using System.Reflection;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using Akka.Hosting.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PoetryActors.Cluster;
using PoetryActors.Deployment;
using PoetryActors.Hosting;
using Xunit;

namespace PoetryActors.Tests.Hosting;

/// <summary>
/// A single node's actor system made without Akka's read of the app.config: it is the one actor
/// system of the host (Akka.Hosting's hosted service, registry and actors use it), it has the
/// builder's config and the setups Akka.Hosting's own factory gives (dependency injection, the
/// logger factory), and a single node's builders hold nothing that only Akka.Hosting's factory
/// can add (serializers, extensions).
/// </summary>
public sealed class ActorSystemWithoutAppConfigSpecs
{
    private const string Deployment = """
        poetry.node.services = [ { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 0, iface = "127.0.0.1" } ]
        poetry.spec-marker = 42
        """;

    [Fact]
    public async Task The_host_runs_one_actor_system_with_the_builders_config_and_setups()
    {
        using var host = BuildHost(akka => akka.WithActors((system, registry) =>
            registry.Register<Marker>(system.ActorOf(Props.Create<Echo>(), "echo"))));

        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            Assert.Equal("specs", system.Name);
            Assert.Equal(42, system.Settings.Config.GetInt("poetry.spec-marker"));
            // The actors Akka.Hosting started live in this system, and its registry is this system's.
            var echo = await host.Services.GetRequiredService<IRequiredActor<Marker>>().GetAsync();
            Assert.Equal(echo, await system.ActorSelection("/user/echo").ResolveOne(TimeSpan.FromSeconds(10)));
            Assert.Equal("hello", await echo.Ask<string>("hello", TimeSpan.FromSeconds(10)));
            // The setups of Akka.Hosting's factory.
            Assert.Same(Marker.Instance, DependencyResolver.For(system).Resolver.GetService<Marker>());
            Assert.True(system.Settings.Setup.Get<LoggerFactorySetup>().HasValue);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void A_single_nodes_builders_add_no_serializer_and_no_extension()
    {
        // Akka.Hosting keeps both lists internal and only its own factory adds them to the actor
        // system; ActorSystemWithoutAppConfig would drop them. The cluster's builders add both,
        // which shows the check sees them.
        var single = Builder(_ => { });
        var settings = PoetryClusterSettings.Default;
        var member = Builder(akka => akka.WithPoetryCluster(settings, system =>
            LocalServiceSource.ForNode(system, ActorPath.Parse($"akka://{system.Name}/user/node"), [], settings.PublicHostname)));

        Assert.Equal((0, 0), (Count(single, "Serializers"), Count(single, "Extensions")));
        Assert.NotEqual((0, 0), (Count(member, "Serializers"), Count(member, "Extensions")));
    }

    private static IHost BuildHost(Action<AkkaConfigurationBuilder> more)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Services.AddSingleton(Marker.Instance);
        builder.Services.AddAkka("specs", akka =>
        {
            AddSingleNode(akka);
            more(akka);
        });
        builder.Services.AddActorSystemWithoutAppConfig("specs");
        return builder.Build();
    }

    // What poetry-node adds for a single node (NodeHost), less its own logger.
    private static void AddSingleNode(AkkaConfigurationBuilder akka)
    {
        akka.ConfigureLoggers(loggers => loggers.LogConfigOnStart = false);
        akka.WithPoetryNode(DeploymentLoader.Default.Load(Deployment, "specs.hocon", AppContext.BaseDirectory));
        akka.WithPoetryDownloads();
        akka.WithActorSystemLivenessCheck();
    }

    private static AkkaConfigurationBuilder Builder(Action<AkkaConfigurationBuilder> more)
    {
        var akka = new AkkaConfigurationBuilder(new ServiceCollection(), "specs");
        AddSingleNode(akka);
        more(akka);
        return akka;
    }

    private static int Count(AkkaConfigurationBuilder builder, string field) =>
        ((IEnumerable)typeof(AkkaConfigurationBuilder).GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(builder)!).Cast<object>().Count();

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message);
    }
}
