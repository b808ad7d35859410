using Akka.Configuration;
using PoetryActors.Configuration;
using PoetryActors.Listening;
using Xunit;

namespace PoetryActors.Tests.Listening;

/// <summary>Where a listener binds and how it drains, from <c>poetry.listener</c>, checked at creation.</summary>
public sealed class ListenerSettingsSpecs
{
    [Fact]
    public void The_defaults_come_from_reference_conf()
    {
        var settings = ListenerSettings.Create("localhost", 10000);

        Assert.Equal("localhost", settings.Iface);
        Assert.Equal(10000, settings.Port);
        Assert.Equal(4096, settings.Backlog);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DrainTimeout);
    }

    [Fact]
    public void Settings_can_be_read_from_the_reference_itself()
    {
        Assert.Equal(ListenerSettings.Create("localhost", 10000), ListenerSettings.Create("localhost", 10000, PoetryConfig.Reference));
    }

    [Fact]
    public void The_drain_timeout_and_backlog_come_from_the_configuration_given()
    {
        var config = ConfigurationFactory.ParseString("poetry.listener { drain-timeout = 300ms, backlog = 16 }");

        var settings = ListenerSettings.Create("127.0.0.1", 0, config);

        Assert.Equal(TimeSpan.FromMilliseconds(300), settings.DrainTimeout);
        Assert.Equal(16, settings.Backlog);
        Assert.Equal(0, settings.Port);
    }

    [Fact]
    public void The_limits_under_hostile_clients_come_from_reference_conf()
    {
        var settings = ListenerSettings.Create("localhost", 10000);

        Assert.Equal(10_000, settings.MaxConnections);
        Assert.Equal(128 * 1024, settings.SendBuffer);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.StallTimeout);
    }

    [Fact]
    public void The_limits_come_from_the_configuration_given_and_a_send_buffer_of_0_keeps_the_kernels()
    {
        var config = ConfigurationFactory.ParseString("poetry.listener { max-connections = 3, send-buffer = 0, stall-timeout = 2s }");

        var settings = ListenerSettings.Create("127.0.0.1", 0, config);

        Assert.Equal(3, settings.MaxConnections);
        Assert.Equal(0, settings.SendBuffer);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.StallTimeout);
    }

    [Theory]
    [InlineData("max-connections = 0")]
    [InlineData("send-buffer = -1")]
    [InlineData("stall-timeout = 0s")]
    public void Impossible_limits_are_refused_naming_the_key(string hocon)
    {
        var config = ConfigurationFactory.ParseString("poetry.listener." + hocon);

        var refused = Assert.Throws<SettingsException>(() => ListenerSettings.Create("127.0.0.1", 0, config));
        Assert.StartsWith("poetry.listener." + hocon.Split(' ')[0] + ": ", refused.Message);
    }

    [Theory]
    [InlineData(-1, 1024, 1)]
    [InlineData(65536, 1024, 1)]
    [InlineData(10000, 0, 1)]
    [InlineData(10000, 1024, -1)]
    public void Impossible_values_are_refused(int port, int backlog, int drainSeconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ListenerSettings("localhost", port, backlog, TimeSpan.FromSeconds(drainSeconds), TimeSpan.FromSeconds(5)));
    }
}
