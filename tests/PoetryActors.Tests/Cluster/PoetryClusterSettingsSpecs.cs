using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Deployment;
using Xunit;

namespace PoetryActors.Tests.Cluster;

/// <summary><c>poetry.cluster</c> read into settings: the defaults, and every bad value refused with its key.</summary>
public sealed class PoetryClusterSettingsSpecs
{
    private static PoetryClusterSettings Read(string hocon) => PoetryClusterSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static string Problem(string hocon) => Assert.Throws<ConfigurationException>(() => Read(hocon)).Message;

    [Fact]
    public void The_defaults_bind_remoting_to_127_0_0_1_port_4053_with_no_seeds_and_no_roles()
    {
        var settings = PoetryClusterSettings.Default;
        Assert.Equal("127.0.0.1", settings.Hostname);
        Assert.Equal(4053, settings.Port);
        Assert.Equal("127.0.0.1", settings.PublicHostname);
        Assert.Empty(settings.SeedNodes);
        Assert.Empty(settings.Roles);
        Assert.Equal(TimeSpan.FromSeconds(20), settings.StableAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.AcceptableHeartbeatPause);
        Assert.Equal(4 * 1024 * 1024, settings.MaximumFrameSize);
        Assert.Equal(65536, settings.Catalog.MaxChunkBytes);
    }

    [Fact]
    public void Seeds_are_HOST_PORT_and_become_addresses_of_the_poetry_system()
    {
        var settings = Read("""poetry.cluster { port = 0, seed-nodes = ["127.0.0.1:4053", "node2.example:4054"], roles = [transform], public-hostname = node1.example }""");
        Assert.Equal(0, settings.Port);
        Assert.Equal(["akka.tcp://poetry@127.0.0.1:4053", "akka.tcp://poetry@node2.example:4054"], settings.SeedAddresses);
        Assert.Equal(["transform"], settings.Roles);
        Assert.Equal("node1.example", settings.PublicHostname);
    }

    [Theory]
    [InlineData("""poetry.cluster.seed-nodes = ["4053"]""", "poetry.cluster.seed-nodes[0]: '4053' is not HOST:PORT")]
    [InlineData("""poetry.cluster.seed-nodes = ["127.0.0.1:99999"]""", "poetry.cluster.seed-nodes[0]: '127.0.0.1:99999' is not PORT or HOST:PORT")]
    [InlineData("poetry.cluster.port = 70000", "poetry.cluster.port: expected a whole number from 0 to 65535 but got '70000'")]
    [InlineData("poetry.cluster.port = -1", "poetry.cluster.port: expected a whole number from 0 to 65535")]
    [InlineData("poetry.cluster.colour = blue", "poetry.cluster.colour: unknown key")]
    [InlineData("poetry.cluster.split-brain.stable-after = never", "poetry.cluster.split-brain.stable-after: expected a positive duration")]
    [InlineData("poetry.cluster.seed-nodes = 127.0.0.1", "poetry.cluster.seed-nodes: must be a list")]
    [InlineData("poetry.cluster.catalog.max-chunk-bytes = 4MiB", "max-chunk-bytes × max-delta-elements")]
    public void A_bad_value_is_refused_with_its_key(string hocon, string expected)
    {
        Assert.Contains(expected, Problem(hocon));
    }

    [Fact]
    public void A_deployment_with_a_cluster_section_joins_and_one_without_does_not()
    {
        const string services = """poetry.node.services = [ { name = xform, kind = transform, port = 0 } ]""";
        Assert.False(DeploymentLoader.Default.Load(services, "alone.hocon").JoinsCluster);
        Assert.True(DeploymentLoader.Default.Load(services + "\npoetry.cluster { port = 0 }", "member.hocon").JoinsCluster);
    }

    [Fact]
    public void A_deployment_check_names_the_file_and_the_key_of_a_bad_cluster_setting()
    {
        var error = Assert.Throws<DeploymentException>(() => DeploymentLoader.Default.Load(
            """
            poetry.node.services = [ { name = xform, kind = transform, port = 0 } ]
            poetry.cluster { seed-nodes = ["127.0.0.1:4053", "nowhere"], port = 123456 }
            """, "member.hocon"));
        Assert.Equal(
            ["member.hocon: poetry.cluster.port: expected a whole number from 0 to 65535 but got '123456'",
             "member.hocon: poetry.cluster.seed-nodes[1]: 'nowhere' is not HOST:PORT"],
            error.Errors.Select(e => e.ToString()));
    }
}
