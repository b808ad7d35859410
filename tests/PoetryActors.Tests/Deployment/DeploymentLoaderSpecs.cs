using PoetryActors.Deployment;
using PoetryActors.Server;
using Xunit;

namespace PoetryActors.Tests.Deployment;

/// <summary>
/// Deployment files (our <c>.tac</c> files) are checked whole before anything starts, and every
/// problem names the file, the entry and the key.
/// </summary>
public sealed class DeploymentLoaderSpecs
{
    private const string Source = "hocon/test.hocon";

    private static NodeDeployment Load(string text) => DeploymentLoader.Default.Load(text, Source);

    private static IReadOnlyList<DeploymentError> Errors(string text) =>
        Assert.Throws<DeploymentException>(() => Load(text)).Errors;

    private static DeploymentError SingleError(string text)
    {
        var error = Assert.Single(Errors(text));
        Assert.Equal(Source, error.Source);
        return error;
    }

    private static string Services(string entries) => $$"""
        poetry.node {
          services = [
            {{entries}}
          ]
        }
        """;

    [Fact]
    public void Two_poems_on_two_ports_in_a_nested_collection_are_read_in_order()
    {
        var deployment = Load("""
            poetry.node {
              services = [
                { name = poems, services = [
                    { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000, iface = localhost }
                    { name = science, kind = fastpoetry, poem = "poetry/science.txt", port = 10001 }
                  ] }
                { name = lorelei, kind = fastpoetry, poem = "poetry/lorelei.txt", port = 10004, iface = "127.0.0.1" }
              ]
            }
            poetry.services.start-timeout = 2s
            akka { loglevel = INFO }
            """);

        Assert.Equal(Source, deployment.Source);
        Assert.Equal(["poems", "lorelei"], deployment.Services.Select(s => s.Name));
        var poems = deployment.Services[0];
        Assert.True(poems.IsCollection);
        Assert.Equal(["ecstasy", "science"], poems.Children.Select(c => c.Name));
        var science = poems.Children[1];
        Assert.False(science.IsCollection);
        Assert.Same(FastPoetryKind.Kind, science.Kind);
        Assert.Equal(10001, science.Options!.GetInt("port"));
        Assert.Equal("localhost", science.Options.GetString("iface"));
        Assert.EndsWith("science.txt", science.Options.GetString("poem"));
        Assert.Equal("127.0.0.1", deployment.Services[1].Options!.GetString("iface"));

        // The file's settings win; the library's defaults fill in the rest.
        Assert.Equal(TimeSpan.FromSeconds(2), deployment.ServiceCollectionSettings.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), deployment.Config.GetTimeSpan("poetry.listener.drain-timeout"));
        Assert.Equal("INFO", deployment.Config.GetString("akka.loglevel"));
        Assert.Equal(["poems", "lorelei"], deployment.ToServiceSpecs().Select(s => s.Name));
    }

    [Fact]
    public void The_same_file_read_twice_gives_equal_entries_so_a_reload_sees_no_change()
    {
        var text = Services("""{ name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }""");

        Assert.Equal(Load(text).Services, Load(text).Services);
        Assert.NotEqual(Load(text).Services, Load(text.Replace("10000", "10001")).Services);
    }

    [Fact]
    public void The_same_name_in_two_different_collections_is_allowed()
    {
        var deployment = Load(Services("""
            { name = a, services = [ { name = poem, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 } ] }
            { name = b, services = [ { name = poem, kind = fastpoetry, poem = "poetry/science.txt", port = 10001 } ] }
            """));

        Assert.Equal(2, deployment.Services.Count);
    }

    [Fact]
    public void Port_0_meaning_any_free_port_may_be_used_by_many_entries()
    {
        var deployment = Load(Services("""
            { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 0 }
            { name = science, kind = fastpoetry, poem = "poetry/science.txt", port = 0 }
            """));

        Assert.Equal(2, deployment.Services.Count);
    }

    [Fact]
    public void An_unknown_kind_names_the_file_the_entry_and_the_key_and_lists_the_known_kinds()
    {
        var error = SingleError(Services("""
            { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }
            { name = science, kind = sonnetpoetry, poem = "poetry/science.txt", port = 10001 }
            """));

        Assert.Equal("services[1] (science)", error.Entry);
        Assert.Equal("kind", error.Key);
        Assert.Contains("unknown kind 'sonnetpoetry'", error.Message);
        Assert.Contains("fastpoetry", error.Message);
        Assert.StartsWith($"{Source}: services[1] (science): kind: unknown kind", error.ToString());
    }

    [Fact]
    public void A_missing_name_names_the_entry_by_its_position()
    {
        var error = SingleError(Services("""{ kind = fastpoetry, poem = "poetry/ecstasy.txt" }"""));

        Assert.Equal("services[0]", error.Entry);
        Assert.Equal("name", error.Key);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void A_missing_kind_is_reported()
    {
        var error = SingleError(Services("""{ name = ecstasy, poem = "poetry/ecstasy.txt" }"""));

        Assert.Equal("services[0] (ecstasy)", error.Entry);
        Assert.Equal("kind", error.Key);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void A_name_that_cannot_name_an_actor_is_refused()
    {
        var error = SingleError(Services("""{ name = "two words", kind = fastpoetry, poem = "poetry/ecstasy.txt" }"""));

        Assert.Equal("name", error.Key);
        Assert.Contains("'two words' cannot name a service", error.Message);
    }

    [Fact]
    public void A_missing_required_option_names_the_option()
    {
        var error = SingleError(Services("{ name = ecstasy, kind = fastpoetry, port = 10000 }"));

        Assert.Equal("services[0] (ecstasy)", error.Entry);
        Assert.Equal("poem", error.Key);
        Assert.Contains("missing", error.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("70000")]
    public void A_mistyped_option_names_the_option_and_quotes_the_value(string port)
    {
        var error = SingleError(Services($$"""{ name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = {{port}} }"""));

        Assert.Equal("services[0] (ecstasy)", error.Entry);
        Assert.Equal("port", error.Key);
        Assert.Contains($"'{port}'", error.Message);
    }

    [Fact]
    public void An_unknown_option_key_is_reported()
    {
        var error = SingleError(Services("""{ name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", colour = red }"""));

        Assert.Equal("services[0] (ecstasy)", error.Entry);
        Assert.Equal("colour", error.Key);
        Assert.Contains("unknown option", error.Message);
    }

    [Fact]
    public void An_option_given_as_an_object_is_reported()
    {
        var error = SingleError(Services("""{ name = ecstasy, kind = fastpoetry, poem { file = "poetry/ecstasy.txt" } }"""));

        Assert.Equal("poem", error.Key);
        Assert.Contains("single value", error.Message);
    }

    [Fact]
    public void A_duplicate_name_in_a_collection_is_refused()
    {
        var error = SingleError(Services("""
            { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }
            { name = ecstasy, kind = fastpoetry, poem = "poetry/science.txt", port = 10001 }
            """));

        Assert.Equal("services[1] (ecstasy)", error.Entry);
        Assert.Equal("name", error.Key);
        Assert.Contains("duplicate service name 'ecstasy'", error.Message);
    }

    [Fact]
    public void A_duplicate_name_in_a_nested_collection_is_refused_naming_the_nested_entry()
    {
        var error = SingleError(Services("""
            { name = poems, services = [
                { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }
                { name = ecstasy, kind = fastpoetry, poem = "poetry/science.txt", port = 10001 }
              ] }
            """));

        Assert.Equal("services[0] (poems).services[1] (ecstasy)", error.Entry);
        Assert.Equal("name", error.Key);
    }

    [Fact]
    public void A_port_used_by_two_entries_is_refused_naming_both()
    {
        var error = SingleError(Services("""
            { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }
            { name = science, kind = fastpoetry, poem = "poetry/science.txt", port = 10000 }
            """));

        Assert.Equal("port", error.Key);
        Assert.Contains("science", error.Entry);
        Assert.Contains("port 10000 is already used by ecstasy", error.Message);
    }

    [Fact]
    public void A_port_used_twice_across_nested_collections_is_refused()
    {
        var error = SingleError(Services("""
            { name = a, services = [ { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 } ] }
            { name = b, services = [ { name = science, kind = fastpoetry, poem = "poetry/science.txt", port = 10000 } ] }
            """));

        Assert.Equal("port", error.Key);
        Assert.Contains("b/science", error.Entry);
        Assert.Contains("port 10000 is already used by a/ecstasy", error.Message);
    }

    [Fact]
    public void A_poem_file_that_is_not_there_is_refused_before_anything_starts()
    {
        var error = SingleError(Services("""{ name = ecstasy, kind = fastpoetry, poem = "poetry/no-such-poem.txt" }"""));

        Assert.Equal("services[0] (ecstasy)", error.Entry);
        Assert.Equal("poem", error.Key);
        Assert.Contains("file not found: poetry/no-such-poem.txt", error.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[ ]")]
    [InlineData("[\n]")]
    public void An_empty_collection_is_a_valid_entry_as_an_empty_MultiService_is(string empty)
    {
        var deployment = Load(Services($$"""
            { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }
            { name = later, services = {{empty}} }
            """));

        Assert.Equal(["ecstasy", "later"], deployment.Services.Select(s => s.Name));
        Assert.True(deployment.Services[1].IsCollection);
        Assert.Empty(deployment.Services[1].Children);
        Assert.Empty(Load($"poetry.node.services = {empty}").Services);
    }

    [Fact]
    public void A_collection_entry_takes_only_a_name_and_services()
    {
        var error = SingleError(Services("""{ name = poems, port = 10000, services = [] }"""));

        Assert.Equal("services[0] (poems)", error.Entry);
        Assert.Equal("port", error.Key);
    }

    [Fact]
    public void An_entry_with_a_kind_and_nested_services_is_refused()
    {
        var error = SingleError(Services("""{ name = poems, kind = fastpoetry, services = [] }"""));

        Assert.Equal("kind", error.Key);
        Assert.Contains("not both", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_valid_HOCON_is_reported_as_such()
    {
        // Akka's HOCON parser forgives a great deal (an unclosed brace or bracket); an unresolvable
        // substitution is among what it refuses.
        var error = SingleError("poetry.node.services = ${no-such-setting}");

        Assert.Null(error.Entry);
        Assert.Null(error.Key);
        Assert.StartsWith("not valid HOCON", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_deployment_without_poetry_node_services_is_refused()
    {
        var error = SingleError("akka.loglevel = INFO");

        Assert.Null(error.Entry);
        Assert.Equal("poetry.node.services", error.Key);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void Services_that_are_not_a_list_are_refused()
    {
        var error = SingleError("poetry.node.services = ecstasy");

        Assert.Equal("poetry.node.services", error.Key);
        Assert.Contains("must be a list", error.Message);
    }

    [Fact]
    public void An_entry_that_is_not_an_object_is_refused()
    {
        var error = SingleError("poetry.node.services = [ ecstasy ]");

        Assert.Equal("services[0]", error.Entry);
    }

    [Fact]
    public void Several_errors_are_all_reported_at_once()
    {
        var thrown = Assert.Throws<DeploymentException>(() => Load(Services("""
            { name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = abc }
            { name = science, kind = sonnetpoetry }
            { kind = fastpoetry, poem = "poetry/no-such-poem.txt", colour = red }
            """)));

        var found = thrown.Errors.Select(e => (e.Entry, e.Key)).ToList();
        Assert.Contains(("services[0] (ecstasy)", "port"), found);
        Assert.Contains(("services[1] (science)", "kind"), found);
        Assert.Contains(("services[2]", "name"), found);
        Assert.Contains(("services[2]", "poem"), found);
        Assert.Contains(("services[2]", "colour"), found);
        Assert.Equal(5, thrown.Errors.Count);
        Assert.StartsWith("5 problems: ", thrown.Message);
    }

    [Fact]
    public void A_deployment_file_is_read_from_disk_and_named_by_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"deployment-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, Services("""{ name = ecstasy, kind = fastpoetry, poem = "poetry/ecstasy.txt", port = 10000 }"""));
        try
        {
            Assert.Equal(path, DeploymentLoader.Default.LoadFile(path).Source);

            File.WriteAllText(path, Services("{ name = ecstasy, kind = fastpoetry }"));
            var error = Assert.Single(Assert.Throws<DeploymentException>(() => DeploymentLoader.Default.LoadFile(path)).Errors);
            Assert.Equal(path, error.Source);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_deployment_file_that_is_not_there_is_reported()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-deployment-{Guid.NewGuid():N}.hocon");

        var error = Assert.Single(Assert.Throws<DeploymentException>(() => DeploymentLoader.Default.LoadFile(path)).Errors);

        Assert.Equal(path, error.Source);
        Assert.Equal("deployment file not found", error.Message);
    }
}
