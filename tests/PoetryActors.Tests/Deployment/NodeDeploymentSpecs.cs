using PoetryActors.Deployment;
using PoetryActors.Server;
using PoetryActors.Services;
using PoetryActors.Tests.Support;
using Xunit;

namespace PoetryActors.Tests.Deployment;

/// <summary>A checked deployment turned into the node's services, with or without a file behind it.</summary>
public sealed class NodeDeploymentSpecs
{
    [Fact]
    public void A_deployment_without_a_file_as_a_single_kind_command_makes_builds_on_the_reference_defaults()
    {
        var options = FastPoetryKind.Kind.Parse(new Dictionary<string, string> { ["poem"] = Poems.PathOf("ecstasy.txt") }).Options!;
        var deployment = new NodeDeployment("poetry-node fastpoetry",
            [new DeploymentEntry("fastpoetry", FastPoetryKind.Kind, options, [])], PoetryConfig.Reference);

        Assert.Equal(["fastpoetry"], deployment.ToServiceSpecs().Select(s => s.Name));
        Assert.Equal(ServiceCollectionSettings.Default, deployment.ServiceCollectionSettings);
    }

    [Fact]
    public void A_deployment_read_from_a_file_builds_its_services_in_order()
    {
        var deployment = DeploymentLoader.Default.Load("""
            poetry.node.services = [
              { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }
              { name = pair, services = [ { name = science, kind = fastpoetry, poem = "poetry/science.txt", port = 10001 } ] }
            ]
            """, "test.hocon");

        Assert.Equal(["ecstasy", "pair"], deployment.ToServiceSpecs().Select(s => s.Name));
    }
}
