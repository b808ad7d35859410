using Akka.Configuration;
using PoetryActors.Cluster;
using Xunit;

namespace PoetryActors.Tests.Cluster.Bootstrap;

/// <summary><c>poetry.cluster.bootstrap</c> read into settings: the defaults, and every bad value refused with its key.</summary>
public sealed class ClusterBootstrapSettingsSpecs
{
    private static PoetryClusterSettings Read(string hocon) => PoetryClusterSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static IReadOnlyList<(string Key, string Message)> Problems(string hocon) =>
        PoetryClusterSettings.Check(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Bootstrap_is_off_by_default_with_config_discovery_and_the_management_port_8558()
    {
        var bootstrap = PoetryClusterSettings.Default.Bootstrap;
        Assert.False(bootstrap.Enabled);
        Assert.Equal("config", bootstrap.Discovery);
        Assert.Equal(8558, bootstrap.ManagementPort);
        Assert.Equal("poetry", bootstrap.ServiceName);
        Assert.Equal(2, bootstrap.RequiredContactPoints);
        Assert.Equal(TimeSpan.FromSeconds(5), bootstrap.StableMargin);
        Assert.True(bootstrap.NewClusterEnabled);
    }

    [Fact]
    public void A_bootstrap_section_with_contact_points_is_read_whole()
    {
        var bootstrap = Read("""
            poetry.cluster.bootstrap {
              enabled = on, management-port = 9000, contact-points = ["127.0.0.1:9000", "node2.example:9000"]
              required-contact-points = 2, stable-margin = 700ms, new-cluster-enabled = off
            }
            """).Bootstrap;
        Assert.True(bootstrap.Enabled);
        Assert.Equal(9000, bootstrap.ManagementPort);
        Assert.Equal(["127.0.0.1:9000", "node2.example:9000"], bootstrap.ContactPoints.Select(p => p.ToString()));
        Assert.Equal(TimeSpan.FromMilliseconds(700), bootstrap.StableMargin);
        Assert.False(bootstrap.NewClusterEnabled);
    }

    [Theory]
    [InlineData("""poetry.cluster { seed-nodes = ["127.0.0.1:4053"], bootstrap { enabled = on, contact-points = ["127.0.0.1:8558", "127.0.0.1:8559"] } }""",
        "poetry.cluster.bootstrap.enabled", "not both")]
    [InlineData("""poetry.cluster.bootstrap { enabled = on }""", "poetry.cluster.bootstrap.contact-points", "config discovery needs")]
    [InlineData("""poetry.cluster.bootstrap { enabled = on, contact-points = ["127.0.0.1"] }""", "poetry.cluster.bootstrap.contact-points[0]", "not HOST:PORT")]
    [InlineData("""poetry.cluster.bootstrap { enabled = on, contact-points = ["127.0.0.1:99999"] }""", "poetry.cluster.bootstrap.contact-points[0]", "99999")]
    [InlineData("""poetry.cluster.bootstrap { enabled = on, contact-points = ["127.0.0.1:8558"], required-contact-points = 3 }""",
        "poetry.cluster.bootstrap.required-contact-points", "lists only 1")]
    [InlineData("""poetry.cluster.bootstrap { enabled = on, discovery = kubernetes-api }""", "poetry.cluster.bootstrap.discovery", "not a discovery method")]
    [InlineData("""poetry.cluster.bootstrap { enabled = maybe }""", "poetry.cluster.bootstrap.enabled", "on or off")]
    [InlineData("""poetry.cluster.bootstrap { management-port = 70000 }""", "poetry.cluster.bootstrap.management-port", "0 to 65535")]
    [InlineData("""poetry.cluster.bootstrap { stable-margin = soon }""", "poetry.cluster.bootstrap.stable-margin", "positive duration")]
    [InlineData("""poetry.cluster.bootstrap { contact-point = [] }""", "poetry.cluster.bootstrap.contact-point", "unknown key")]
    [InlineData("""poetry.cluster.bootstrap { enabled = on, service-name = "", contact-points = ["a:1", "b:1"] }""", "poetry.cluster.bootstrap.service-name", "must name")]
    public void A_bad_bootstrap_value_is_refused_with_its_key(string hocon, string key, string message)
    {
        var problem = Assert.Single(Problems(hocon));
        Assert.Equal(key, problem.Key);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void Another_discovery_method_is_accepted_once_akka_discovery_configures_it()
    {
        var bootstrap = Read("""
            akka.discovery.kubernetes-api.class = "Akka.Discovery.KubernetesApi.KubernetesApiServiceDiscovery, Akka.Discovery.KubernetesApi"
            poetry.cluster.bootstrap { enabled = on, discovery = kubernetes-api }
            """).Bootstrap;
        Assert.Equal("kubernetes-api", bootstrap.Discovery);
        Assert.Empty(bootstrap.ContactPoints);
    }
}
