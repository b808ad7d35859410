using Akka.Configuration;
using PoetryActors.Configuration;
using PoetryActors.Services;
using Xunit;

namespace PoetryActors.Tests.Services;

/// <summary>The collection's timeouts and restart back-off, read from <c>poetry.services</c> and checked at creation.</summary>
public sealed class ServiceCollectionSettingsSpecs
{
    [Fact]
    public void The_defaults_come_from_reference_conf()
    {
        var settings = ServiceCollectionSettings.Default;

        Assert.Equal(TimeSpan.FromSeconds(10), settings.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.StopTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(200), settings.MinBackoff);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.MaxBackoff);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ResetBackoffAfter);
    }

    [Fact]
    public void Settings_can_be_read_from_the_reference_itself()
    {
        Assert.Equal(ServiceCollectionSettings.Default, ServiceCollectionSettings.Create(PoetryConfig.Reference));
    }

    [Fact]
    public void A_deployment_changes_only_what_it_names()
    {
        var settings = ServiceCollectionSettings.Create(ConfigurationFactory.ParseString("poetry.services.restart-backoff.min = 50ms"));

        Assert.Equal(TimeSpan.FromMilliseconds(50), settings.MinBackoff);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.StartTimeout);
    }

    [Fact]
    public void The_backoff_starts_at_min_doubles_with_each_crash_and_stops_at_max()
    {
        var settings = new ServiceCollectionSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1),
            TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000), TimeSpan.FromSeconds(30));

        Assert.Equal(
            [100, 200, 400, 800, 1000, 1000],
            Enumerable.Range(1, 6).Select(attempt => settings.BackoffFor(attempt).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), settings.BackoffFor(1000));
    }

    [Theory]
    [InlineData("poetry.services.start-timeout = 0s", "start-timeout")]
    [InlineData("poetry.services.stop-timeout = 0s", "stop-timeout")]
    [InlineData("poetry.services.restart-backoff.min = 0s", "restart-backoff.min")]
    [InlineData("poetry.services.restart-backoff { min = 2s, max = 1s }", "restart-backoff.max")]
    public void Settings_that_make_no_sense_are_refused_naming_the_key(string hocon, string key)
    {
        var thrown = Assert.Throws<SettingsException>(() => ServiceCollectionSettings.Create(ConfigurationFactory.ParseString(hocon)));

        var problem = Assert.Single(thrown.Problems);
        Assert.Equal("poetry.services." + key, problem.Key);
    }

    [Theory]
    [InlineData("poetry.services.stop-timeout = banana", "poetry.services.stop-timeout: expected a duration such as 2s, got 'banana'")]
    [InlineData("poetry.services.start-timeout = -1s", "poetry.services.start-timeout: expected a duration such as 2s, got '-1s'")]
    [InlineData("poetry.services.start-timeout = [1, 2]", "poetry.services.start-timeout: expected a duration such as 2s, got a list")]
    public void A_value_of_the_wrong_kind_is_refused_with_the_full_key_and_a_reason_in_words(string hocon, string expected)
    {
        var thrown = Assert.Throws<SettingsException>(() => ServiceCollectionSettings.Create(ConfigurationFactory.ParseString(hocon)));

        Assert.Equal(expected, Assert.Single(thrown.Problems).ToString());
    }
}
