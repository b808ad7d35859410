using Akka.Configuration;
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
