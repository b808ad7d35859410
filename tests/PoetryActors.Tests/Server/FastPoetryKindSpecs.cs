using PoetryActors.Deployment;
using PoetryActors.Server;
using Xunit;

namespace PoetryActors.Tests.Server;

/// <summary>The fastpoetry kind's options, Part 16's third exercise among them: an optional second poem on a second port.</summary>
public sealed class FastPoetryKindSpecs
{
    private static readonly string Poem = Path.Combine(AppContext.BaseDirectory, "poetry", "ecstasy.txt");
    private static readonly string Poem2 = Path.Combine(AppContext.BaseDirectory, "poetry", "science.txt");

    [Fact]
    public void One_poem_makes_a_poem_service_and_a_listener()
    {
        var options = FastPoetryKind.Kind.Parse(new Dictionary<string, string> { ["poem"] = Poem }).Options!;
        Assert.Equal(["poem", "listener"], FastPoetryKind.Build(options, PoetryConfig.Reference).Select(s => s.Name));
    }

    [Fact]
    public void A_second_poem_and_port_add_a_second_poem_service_and_listener_to_the_same_collection()
    {
        var options = FastPoetryKind.Kind.Parse(new Dictionary<string, string>
        {
            ["poem"] = Poem,
            ["port"] = "10000",
            ["poem2"] = Poem2,
            ["port2"] = "10002",
        }).Options!;
        Assert.Equal(["poem", "listener", "poem2", "listener2"], FastPoetryKind.Build(options, PoetryConfig.Reference).Select(s => s.Name));
    }

    [Theory]
    [InlineData("poem2", "port2", "missing: poem2 needs a port2 to be served on")]
    [InlineData("port2", "poem2", "missing: port2 needs a poem2 to serve")]
    public void The_second_poem_and_port_go_together(string given, string missing, string message)
    {
        var raw = new Dictionary<string, string> { ["poem"] = Poem, [given] = given == "poem2" ? Poem2 : "10002" };
        var parsed = FastPoetryKind.Kind.Parse(raw);
        Assert.Null(parsed.Options);
        Assert.Equal([(missing, message)], parsed.Problems);
    }

    [Fact]
    public void The_second_port_must_differ_from_the_first()
    {
        var parsed = FastPoetryKind.Kind.Parse(new Dictionary<string, string>
        {
            ["poem"] = Poem,
            ["port"] = "10000",
            ["poem2"] = Poem2,
            ["port2"] = "10000",
        });
        Assert.Equal([("port2", "port 10000 is already the first poem's port")], parsed.Problems);
    }

    [Fact]
    public void A_deployment_entry_takes_poem2_and_port2_as_keys()
    {
        var deployment = DeploymentLoader.Default.Load($$"""
            poetry.node.services = [
              { name = poems, kind = fastpoetry, poem = "{{Poem}}", port = 0, poem2 = "{{Poem2}}", port2 = 0 }
            ]
            """, "test.hocon");
        var options = Assert.Single(deployment.Services).Options!;
        Assert.Equal((Poem2, 0), (options.GetString("poem2"), options.GetInt("port2")));
    }

    [Fact]
    public void A_deployment_entry_with_poem2_but_no_port2_is_refused_with_the_key()
    {
        var error = Assert.Throws<DeploymentException>(() => DeploymentLoader.Default.Load($$"""
            poetry.node.services = [ { name = poems, kind = fastpoetry, poem = "{{Poem}}", poem2 = "{{Poem2}}" } ]
            """, "test.hocon"));
        Assert.Equal("test.hocon: services[0] (poems): port2: missing: poem2 needs a port2 to be served on", Assert.Single(error.Errors).ToString());
    }
}
