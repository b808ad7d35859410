using Akka.Actor;
using Akka.Configuration;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryActors.Services;
using Xunit;
using static PoetryActors.Services.ServiceProtocol;

namespace PoetryActors.Tests.Deployment;

/// <summary>
/// A reload applied to a real root collection, which alone knows what runs: only what changed
/// stops and starts, the node ends up in the file's order, a refused file touches nothing, a
/// changed service whose new version cannot start is put back, a new one that cannot start leaves
/// the rest running, and reloads sent together are applied one after the other.
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
        Assert.Equal(["a", "d", "b"], outcome.Running!.Select(e => e.Name));
        Assert.Equal(["1", "1", "2"], outcome.Running!.Select(e => e.Options!.GetString("tag")));
    }

    [Fact]
    public async Task A_new_service_that_cannot_start_is_reported_and_every_other_change_is_applied_and_keeps_running()
    {
        var (node, reloader) = await StartAsync(Deployment(("a", "1"), ("b", "1")));

        var outcome = await reloader.ReloadAsync(() => Deployment(("a", "1"), ("x", "fail"), ("b", "2"), ("c", "1")));

        Assert.False(outcome.Refused);
        Assert.StartsWith("x: ", Assert.Single(outcome.Failures));
        ExpectMsg("stopped b:1");
        ExpectMsg("refused x:fail");
        ExpectMsg("started b:2");
        ExpectMsg("started c:1");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(["a", "b", "c"], await NamesAsync(node));
        Assert.Equal(["a", "b", "c"], outcome.Running!.Select(e => e.Name));
        var status = await node.Ask<CurrentServices>(GetServices.Instance, TimeSpan.FromSeconds(3));
        Assert.All(status.Services, s => Assert.True(s.Running, s.Name));
    }

    [Fact]
    public async Task Two_reloads_sent_together_are_applied_one_after_the_other_the_second_planned_against_the_first()
    {
        var (node, reloader) = await StartAsync(Deployment(("a", "1")));

        // The first takes a while to start its new a: the second arrives meanwhile and waits.
        var first = reloader.ReloadAsync(() => Deployment(("a", "slow")));
        var second = reloader.ReloadAsync(() => Deployment(("a", "slow"), ("b", "1")));
        var outcomes = await Task.WhenAll(first, second);

        Assert.Equal(["a"], outcomes[0].Plan!.Changed);
        Assert.Empty(outcomes[0].Plan!.Added);
        // Planned against what the first left running: a is unchanged, only b is new.
        Assert.Equal(["a"], outcomes[1].Plan!.Unchanged);
        Assert.Equal(["b"], outcomes[1].Plan!.Added);
        ExpectMsg("stopped a:1");
        ExpectMsg("started a:slow");
        ExpectMsg("started b:1");
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(["a", "b"], await NamesAsync(node));
    }

    [Fact]
    public async Task A_reload_that_would_start_a_service_this_process_cannot_start_is_refused_before_anything_stops()
    {
        var node = await StartNodeAsync(Deployment(("a", "1"), ("b", "1")));
        var reloader = new DeploymentReloader(node, Sys.Log, entry => entry.Options!.GetString("tag") == "2" ? "needs root" : null);

        var outcome = await reloader.ReloadAsync(() => Deployment(("a", "1"), ("b", "2")));

        Assert.True(outcome.Refused);
        Assert.Equal("test: b: needs root", Assert.Single(outcome.Errors).ToString());
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var unchanged = await reloader.ReloadAsync(() => Deployment(("a", "1"), ("b", "1")));
        Assert.True(unchanged.Plan!.IsEmpty);
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
        var node = await StartNodeAsync(deployment);
        return (node, new DeploymentReloader(node, Sys.Log));
    }

    private async Task<IActorRef> StartNodeAsync(NodeDeployment deployment)
    {
        var node = Sys.ActorOf(ServiceCollectionActor.Props(deployment.ToServiceSpecs(), deployment.ServiceCollectionSettings), "node");
        Assert.IsType<ServiceStarted>(await node.Ask<object>(StartService.Instance, TimeSpan.FromSeconds(5)));
        foreach (var (name, tag) in deployment.Services.Select(s => (s.Name, s.Options!.GetString("tag"))))
        {
            ExpectMsg($"started {name}:{tag}");
        }

        return node;
    }

    private NodeDeployment Deployment(params (string Name, string Tag)[] services) =>
        new("test", services.Select(s => new DeploymentEntry(s.Name, _kind, new ServiceOptions([new("tag", s.Tag)]), [])).ToList(), _config);

    private static async Task<List<string>> NamesAsync(IActorRef node) =>
        (await node.Ask<CurrentServices>(GetServices.Instance, TimeSpan.FromSeconds(3))).Services.Select(s => s.Name).ToList();

    private sealed class ProbeService(string tag, IActorRef reporter) : ServiceActor
    {
        private string Service => Context.Parent.Path.Name;

        protected override async Task StartServiceAsync()
        {
            if (tag.StartsWith("fail", StringComparison.Ordinal))
            {
                reporter.Tell($"refused {Service}:{tag}");
                throw new ServiceStartException("told to fail");
            }
            if (tag.StartsWith("slow", StringComparison.Ordinal))
            {
                // Long enough for a second reload to arrive while this start is under way.
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
            reporter.Tell($"started {Service}:{tag}");
        }

        protected override Task StopServiceAsync()
        {
            reporter.Tell($"stopped {Service}:{tag}");
            return Task.CompletedTask;
        }
    }
}
