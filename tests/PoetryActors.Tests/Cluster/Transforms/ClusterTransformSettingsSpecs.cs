using Akka.Configuration;
using PoetryActors.Cluster;
using PoetryActors.Cluster.Transforms;
using Xunit;

namespace PoetryActors.Tests.Cluster.Transforms;

/// <summary>poetry.cluster.transforms: the defaults, and every bad value refused with its key.</summary>
public sealed class ClusterTransformSettingsSpecs
{
    [Fact]
    public void The_defaults_send_poems_of_up_to_one_MiB_in_parts_of_64_KiB()
    {
        var settings = ClusterTransformSettings.Default;
        Assert.Equal(64 * 1024, settings.PartBytes);
        Assert.Equal(1 << 20, settings.MaxPoemBytes);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.RefreshInterval);
    }

    [Theory]
    [InlineData("poetry.cluster.transforms.part-bytes = 8MiB", "poetry.cluster.transforms.part-bytes", "do not fit a message of the maximum-frame-size")]
    [InlineData("poetry.cluster { maximum-frame-size = 64KiB, transforms.part-bytes = 64KiB }", "poetry.cluster.transforms.part-bytes", "do not fit")]
    [InlineData("poetry.cluster.transforms.part-bytes = 10", "poetry.cluster.transforms.part-bytes", "expected a size from 1024 bytes")]
    [InlineData("poetry.cluster.transforms.max-poem-bytes = lots", "poetry.cluster.transforms.max-poem-bytes", "expected a size")]
    [InlineData("poetry.cluster.transforms.refresh-interval = 0s", "poetry.cluster.transforms.refresh-interval", "more than zero")]
    public void A_bad_value_is_refused_naming_its_key(string hocon, string key, string message)
    {
        var config = ConfigurationFactory.ParseString(hocon);
        var problem = Assert.Single(ClusterTransformSettings.Check(config));
        Assert.Equal(key, problem.Key);
        Assert.Contains(message, problem.Message);
        // The cluster section's own check reports it too (what 'poetry-node check' prints).
        Assert.Contains(PoetryClusterSettings.Check(config), p => p.Key == key);
    }

    [Fact]
    public void An_unknown_key_under_transforms_is_refused()
    {
        var problems = PoetryClusterSettings.Check(ConfigurationFactory.ParseString("poetry.cluster.transforms.chunk-size = 1"));
        Assert.Contains(problems, p => p.Key == "poetry.cluster.transforms.chunk-size" && p.Message.Contains("unknown key"));
    }
}
