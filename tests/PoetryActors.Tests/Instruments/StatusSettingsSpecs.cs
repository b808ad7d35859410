using Akka.Configuration;
using PoetryActors.Deployment;
using PoetryActors.Instruments;
using Xunit;

namespace PoetryActors.Tests.Instruments;

public sealed class StatusSettingsSpecs
{
    [Fact]
    public void The_status_endpoint_is_off_unless_a_port_is_given_and_binds_localhost_by_default()
    {
        var settings = StatusSettings.Create();
        Assert.False(settings.Enabled);
        Assert.Null(settings.Port);
        Assert.Equal("localhost", settings.Iface);
        Assert.Equal(64, settings.MaxConnections);
    }

    [Theory]
    [InlineData("10080", 10080)]
    [InlineData("0", 0)]
    [InlineData("off", null)]
    public void A_deployment_sets_the_port_or_turns_it_off(string port, int? expected)
    {
        var settings = StatusSettings.Create(ConfigurationFactory.ParseString($"poetry.status.port = {port}"));
        Assert.Equal(expected, settings.Port);
        Assert.Equal(expected is not null, settings.Enabled);
    }

    [Theory]
    [InlineData("poetry.status.port = 70000", "port")]
    [InlineData("poetry.status.port = ten", "port")]
    [InlineData("poetry.status.max-connections = 0", "max-connections")]
    [InlineData("poetry.status.recent-warnings = -1", "recent-warnings")]
    public void A_bad_status_setting_is_refused_by_the_deployment_loader_with_its_section(string hocon, string key)
    {
        var e = Assert.Throws<DeploymentException>(() => DeploymentLoader.Default.Load(
            "poetry.node.services = []\n" + hocon, "status.hocon"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("status.hocon", error.Source);
        Assert.Equal("poetry.status", error.Key);
        Assert.Contains(key, error.Message);
    }

    [Theory]
    [InlineData("8080", 8080)]
    [InlineData("off", -1)]
    [InlineData("none", -1)]
    [InlineData("x", null)]
    [InlineData("-3", null)]
    [InlineData("65536", null)]
    public void Status_ports_are_parsed_as_the_command_line_writes_them(string text, int? expected) =>
        Assert.Equal(expected, StatusSettings.ParsePort(text));
}
