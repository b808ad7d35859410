using Akka.Configuration;
using PoetryActors.Kinds;
using PoetryActors.Server;
using PoetryActors.Tests.Support;
using Xunit;

namespace PoetryActors.Tests.Kinds;

/// <summary>
/// Service kinds as twistd plugins: a name, a description, options that are both flags and HOCON
/// keys (checked the same way, all problems at once) and a factory that builds the services.
/// </summary>
public sealed class ServiceKindSpecs
{
    private static readonly string Ecstasy = Poems.PathOf("ecstasy.txt");

    private static ServiceKind.ParsedOptions ParseFastPoetry(params (string Key, string Value)[] raw) =>
        FastPoetryKind.Kind.Parse(raw.ToDictionary(r => r.Key, r => r.Value));

    [Fact]
    public void Options_left_out_take_their_defaults()
    {
        var parsed = ParseFastPoetry(("poem", Ecstasy));

        Assert.Empty(parsed.Problems);
        var options = parsed.Options!;
        Assert.Equal(Ecstasy, options.GetString("poem"));
        Assert.Equal(10000, options.GetInt("port"));
        Assert.Equal("localhost", options.GetString("iface"));
    }

    [Fact]
    public void Given_options_are_parsed_to_their_types()
    {
        var parsed = ParseFastPoetry(("poem", Ecstasy), ("port", "0"), ("iface", "127.0.0.1"));

        Assert.Empty(parsed.Problems);
        Assert.Equal(0, parsed.Options!["port"]);
        Assert.Equal("127.0.0.1", parsed.Options!["iface"]);
    }

    [Fact]
    public void A_required_option_left_out_is_a_problem_named_by_its_key()
    {
        var parsed = ParseFastPoetry(("port", "10000"));

        Assert.Null(parsed.Options);
        var (key, message) = Assert.Single(parsed.Problems);
        Assert.Equal("poem", key);
        Assert.Contains("missing", message);
    }

    [Fact]
    public void An_unknown_option_is_a_problem_that_lists_the_options_the_kind_takes()
    {
        var parsed = ParseFastPoetry(("poem", Ecstasy), ("colour", "red"));

        var (key, message) = Assert.Single(parsed.Problems);
        Assert.Equal("colour", key);
        Assert.Contains("unknown option for kind 'fastpoetry'", message);
        Assert.Contains("poem, port, iface", message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("70000")]
    [InlineData("-1")]
    public void A_mistyped_value_is_a_problem_that_quotes_it(string port)
    {
        var parsed = ParseFastPoetry(("poem", Ecstasy), ("port", port));

        var (key, message) = Assert.Single(parsed.Problems);
        Assert.Equal("port", key);
        Assert.Contains($"'{port}'", message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var parsed = ParseFastPoetry(("port", "abc"), ("colour", "red"));

        Assert.Equal(["colour", "poem", "port"], parsed.Problems.Select(p => p.Key).Order());
    }

    [Fact]
    public void The_checks_across_options_run_once_every_option_is_valid()
    {
        var calls = 0;
        var kind = new ServiceKind("pair", "two ports", [
            new KindOption("port", OptionType.Port, "one port"),
            new KindOption("other-port", OptionType.Port, "another port"),
        ], (_, _) => [])
        {
            Check = options =>
            {
                calls++;
                return options.GetInt("port") == options.GetInt("other-port")
                    ? [("other-port", "must differ from port")]
                    : [];
            },
        };

        Assert.Equal("port", Assert.Single(kind.Parse(new Dictionary<string, string> { ["other-port"] = "1" }).Problems).Key);
        Assert.Equal(0, calls);
        var same = kind.Parse(new Dictionary<string, string> { ["port"] = "1", ["other-port"] = "1" });
        Assert.Equal(("other-port", "must differ from port"), Assert.Single(same.Problems));
        Assert.Null(same.Options);
        Assert.Empty(kind.Parse(new Dictionary<string, string> { ["port"] = "1", ["other-port"] = "2" }).Problems);
    }

    [Fact]
    public void An_optional_option_without_a_default_may_be_left_out()
    {
        var kind = new ServiceKind("opt", "optional", [
            new KindOption("upstream", OptionType.Address, "where to fetch") { Optional = true },
        ], (_, _) => []);

        var parsed = kind.Parse(new Dictionary<string, string>());

        Assert.Empty(parsed.Problems);
        Assert.False(parsed.Options!.Has("upstream"));
        Assert.False(kind.Options[0].Required);
        Assert.Throws<KeyNotFoundException>(() => parsed.Options.GetAddress("upstream"));
    }

    [Fact]
    public void Asking_for_an_option_as_the_wrong_type_names_the_option()
    {
        var options = ParseFastPoetry(("poem", Ecstasy)).Options!;

        var thrown = Assert.Throws<KeyNotFoundException>(() => options.GetInt("iface"));
        Assert.Contains("'iface'", thrown.Message);
    }

    [Fact]
    public void Equal_options_describe_the_same_service()
    {
        var one = ParseFastPoetry(("poem", Ecstasy), ("port", "10000")).Options!;
        var two = ParseFastPoetry(("port", "10000"), ("poem", Ecstasy)).Options!;
        var other = ParseFastPoetry(("poem", Ecstasy), ("port", "10001")).Options!;

        Assert.Equal(one, two);
        Assert.Equal(one.GetHashCode(), two.GetHashCode());
        Assert.NotEqual(one, other);
    }

    [Fact]
    public void A_fastpoetry_service_is_a_poem_service_then_its_listener()
    {
        var options = ParseFastPoetry(("poem", Ecstasy), ("port", "0")).Options!;

        var services = FastPoetryKind.Build(options, Config.Empty);

        Assert.Equal(["poem", "listener"], services.Select(s => s.Name));
        Assert.Equal(["poem", "listener"], FastPoetryKind.Build(options, PoetryConfig.Reference).Select(s => s.Name));
    }

    [Fact]
    public void The_fastpoetry_kind_has_a_name_a_description_and_described_options()
    {
        var kind = FastPoetryKind.Kind;

        Assert.Equal("fastpoetry", kind.Name);
        Assert.False(string.IsNullOrWhiteSpace(kind.Description));
        Assert.Equal(["poem", "port", "iface", "poem2", "port2"], kind.Options.Select(o => o.Name));
        Assert.All(kind.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Description)));
        Assert.True(kind.FindOption("poem")!.Required);
        Assert.False(kind.FindOption("port")!.Required);
        Assert.Null(kind.FindOption("colour"));
    }

    [Fact]
    public void The_default_registry_knows_fastpoetry_and_not_made_up_kinds()
    {
        Assert.True(ServiceKindRegistry.Default.TryGet("fastpoetry", out var kind));
        Assert.Same(FastPoetryKind.Kind, kind);
        Assert.False(ServiceKindRegistry.Default.TryGet("nosuchpoetry", out _));
        Assert.Contains(FastPoetryKind.Kind, ServiceKindRegistry.Default.All);
    }

    [Fact]
    public void A_registry_refuses_two_kinds_of_the_same_name()
    {
        var thrown = Assert.Throws<ArgumentException>(() => new ServiceKindRegistry([FastPoetryKind.Kind, FastPoetryKind.Kind]));

        Assert.Contains("duplicate service kind 'fastpoetry'", thrown.Message);
    }
}
