using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryActors.Services;
using Xunit;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Deployment;

/// <summary>
/// A reload applied to a real root collection: only what changed stops and starts, the node ends
/// up in the file's order, a refused file touches nothing, and a changed service whose new
/// version cannot start is put back.
/// </summary>
public sealed class DeploymentReloaderSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Hocon = """
        akka.loglevel = WARNING
        poetry.services { start-timeout = 3s, stop-timeout = 3s }
        """;

    private readonly ServiceKind _kind;
    private readonly Config _config = ConfigurationFactory.ParseString(Hocon).WithFallback(PoetryConfig.Reference);

    public DeploymentReloaderSpecs() : base(Hocon)
    {
        var reporter = TestActor;
        // Each service tells the test when it starts and stops, as "started a:1"; a tag starting
        // with "fail" refuses to start.
        _kind = new ServiceKind("probe", "reports its starts and stops",
            [new KindOption("tag", OptionType.Text, "what to report")],
            (options, _) => [new ServiceSpec("probe", Props.Create(() => new ProbeService(options.GetString("tag"), reporter)))]);
    }

    [Fact]
    public async Task Only_changed_services_stop_and_start_and_the_node_ends_in_the_files_order()
    {
        var (node, reloader) = await StartAsync(Deployment(("a", "1"), ("b", "1"), ("c", "1")));

        var outcome = await reloader.ReloadAsync(() => Deployment(("a", "1"), ("d", "1"), ("b", "2")));

        Assert.False(outcome.Refused);
        Assert.Empty(outcome.Failures);
        Assert.Equal(["a"], outcome.Plan!.Unchanged);
        Assert.Equal(["b"], outcome.Plan.Changed);
        Assert.Equal(["d"], outcome.Plan.Added);
        Assert.Equal(["c"], outcome.Plan.Removed);
        // Removals in reverse running order, then additions in the file's order.
        ExpectMsg("stopped c:1");
        ExpectMsg("stopped b:1");
        ExpectMsg("started d:1");
        ExpectMsg("started b:2");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(["a", "d", "b"], await NamesAsync(node));
        Assert.Equal(["a", "d", "b"], reloader.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task A_refused_deployment_touches_no_service()
    {
        var (node, reloader) = await StartAsync(Deployment(("a", "1"), ("b", "1")));

        var outcome = await reloader.ReloadAsync(() =>
            throw new DeploymentException([new DeploymentError("node.hocon", "services[1] (b)", "kind", "unknown kind 'fastpoem'")]));

        Assert.True(outcome.Refused);
        Assert.Equal("node.hocon: services[1] (b): kind: unknown kind 'fastpoem'", Assert.Single(outcome.Errors).ToString());
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(["a", "b"], await NamesAsync(node));
    }

    [Fact]
    public async Task A_changed_service_whose_new_version_cannot_start_is_put_back_as_it_was()
    {
        var (node, reloader) = await StartAsync(Deployment(("a", "1"), ("b", "1")));

        var outcome = await reloader.ReloadAsync(() => Deployment(("a", "fail"), ("b", "1")));

        Assert.StartsWith("a: ", Assert.Single(outcome.Failures));
        ExpectMsg("stopped a:1");
        ExpectMsg("refused a:fail");
        ExpectMsg("started a:1");
        Assert.Equal(["a", "b"], await NamesAsync(node));
        var status = await node.Ask<CurrentServices>(GetServices.Instance, TimeSpan.FromSeconds(3));
        Assert.All(status.Services, s => Assert.True(s.Running));

        // What runs is the previous version, so the same file reloaded once mended changes a again.
        var mended = await reloader.ReloadAsync(() => Deployment(("a", "2"), ("b", "1")));
        Assert.Equal(["a"], mended.Plan!.Changed);
    }

    private async Task<(IActorRef Node, DeploymentReloader Reloader)> StartAsync(NodeDeployment deployment)
    {
        var node = Sys.ActorOf(ServiceCollectionActor.Props(deployment.ToServiceSpecs(), deployment.ServiceCollectionSettings), "node");
        Assert.IsType<ServiceStarted>(await node.Ask<object>(StartService.Instance, TimeSpan.FromSeconds(5)));
        foreach (var (name, tag) in deployment.Services.Select(s => (s.Name, s.Options!.GetString("tag"))))
        {
            ExpectMsg($"started {name}:{tag}");
        }

        return (node, new DeploymentReloader(node, deployment, Sys.Log));
    }

    private NodeDeployment Deployment(params (string Name, string Tag)[] services) =>
        new("test", services.Select(s => new DeploymentEntry(s.Name, _kind, new ServiceOptions([new("tag", s.Tag)]), [])).ToList(), _config);

    private static async Task<List<string>> NamesAsync(IActorRef node) =>
        (await node.Ask<CurrentServices>(GetServices.Instance, TimeSpan.FromSeconds(3))).Services.Select(s => s.Name).ToList();

    private sealed class ProbeService(string tag, IActorRef reporter) : ServiceActor
    {
        private string Service => Context.Parent.Path.Name;

        protected override Task StartServiceAsync()
        {
            if (tag.StartsWith("fail", StringComparison.Ordinal))
            {
                reporter.Tell($"refused {Service}:{tag}");
                throw new ServiceStartException("told to fail");
            }
            reporter.Tell($"started {Service}:{tag}");
            return Task.CompletedTask;
        }

        protected override Task StopServiceAsync()
        {
            reporter.Tell($"stopped {Service}:{tag}");
            return Task.CompletedTask;
        }
    }
}
