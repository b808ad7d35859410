using Akka.Configuration;
using PoetryActors.Configuration;
using PoetryActors.Download;
using PoetryActors.Kinds;
using Xunit;

namespace PoetryActors.Tests.Download;

public sealed class DownloadSettingsSpecs
{
    [Fact]
    public void The_defaults_come_from_reference_conf_with_no_transform_server()
    {
        var settings = DownloadSettings.Default;

        Assert.Equal(FetchLimits.Default, settings.Limits);
        Assert.Null(settings.TransformServer);
        Assert.Equal("cummingsify", settings.TransformName);
    }

    [Fact]
    public void Every_key_under_poetry_download_can_be_set_in_HOCON()
    {
        var config = ConfigurationFactory.ParseString("""
            poetry.download {
              connect-timeout = 2s
              idle-timeout = 700ms
              deadline = 30s
              max-poem-bytes = 5000
              xform = "localhost:10001"
              transform = title-case
            }
            """);

        var settings = DownloadSettings.Create(config);

        Assert.Equal(new FetchLimits(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(30), 5000), settings.Limits);
        Assert.Equal(new NetAddress("localhost", 10001), settings.TransformServer);
        Assert.Equal("title-case", settings.TransformName);
    }

    [Fact]
    public void A_bare_port_as_the_transform_server_means_127_0_0_1()
    {
        var settings = DownloadSettings.Create(ConfigurationFactory.ParseString("poetry.download.xform = \"10001\""));

        Assert.Equal(new NetAddress("127.0.0.1", 10001), settings.TransformServer);
    }

    [Fact]
    public void A_transform_server_that_is_not_an_address_is_refused_naming_the_key()
    {
        var error = Assert.Throws<SettingsException>(() =>
            DownloadSettings.Create(ConfigurationFactory.ParseString("poetry.download.xform = \"host:port\"")));

        Assert.StartsWith("poetry.download.xform:", error.Message);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"cummingsify.extra\"")]
    public void A_transform_name_that_the_server_could_not_split_off_is_refused(string name)
    {
        var error = Assert.Throws<SettingsException>(() =>
            DownloadSettings.Create(ConfigurationFactory.ParseString($"poetry.download.transform = {name}")));

        Assert.StartsWith("poetry.download.transform:", error.Message);
    }

    [Fact]
    public void Settings_made_in_code_refuse_a_transform_name_with_a_dot()
    {
        Assert.Throws<ArgumentException>(() => DownloadSettings.Default with { TransformName = "a.b" });
    }

    [Fact]
    public void The_reference_configuration_itself_can_be_read()
    {
        // max-in-flight = 0 is worked out from the descriptors open at the time, so two readings
        // a moment apart may differ; every other value must be the default.
        var read = DownloadSettings.Create(PoetryConfig.Reference);
        Assert.Equal(DownloadSettings.Default with { MaxInFlight = read.MaxInFlight }, read);
    }
}
