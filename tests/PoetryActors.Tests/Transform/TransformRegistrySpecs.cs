using System.Globalization;
using PoetryActors.Transform;
using Xunit;

namespace PoetryActors.Tests.Transform;

public sealed class TransformRegistrySpecs
{
    private static string Apply(string name, string poem)
    {
        Assert.True(TransformRegistry.Default.TryGet(name, out var transform), $"no transform '{name}'");
        return transform.Apply(poem);
    }

    [Fact]
    public void The_default_registry_lists_cummingsify_first_then_the_others_in_a_stable_order()
    {
        Assert.Equal(
            ["cummingsify", "shout", "reverse-lines", "title-case"],
            TransformRegistry.Default.Select(t => t.Name));
        Assert.Equal(4, TransformRegistry.Default.Count);
        Assert.Equal("cummingsify", TransformRegistry.Default[0].Name);
    }

    [Fact]
    public void Every_default_transform_has_a_one_line_description()
    {
        Assert.All(TransformRegistry.Default, t =>
        {
            Assert.False(string.IsNullOrWhiteSpace(t.Description));
            Assert.DoesNotContain('\n', t.Description);
        });
    }

    [Fact]
    public void Cummingsify_lowercases_the_design_example()
    {
        Assert.Equal("here is my poem", Apply("cummingsify", "HERE IS MY POEM"));
    }

    [Fact]
    public void The_tests_run_with_invariant_globalization_like_the_server()
    {
        // The casing checks below mean something only in the mode the server runs in.
        Assert.True(AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant) && invariant);
        Assert.Equal(CultureInfo.InvariantCulture, CultureInfo.CurrentCulture);
    }

    [Theory]
    [InlineData("ПРИВЕТ, МИР", "привет, мир")]
    [InlineData("ΣΟΦΊΑ ΚΑΙ ΑΓΆΠΗ", "σοφία και αγάπη")]
    [InlineData("ÄRGER ÜBER ÖL, STRAẞE", "ärger über öl, straße")]
    [InlineData("ÉTÉ À L'ÎLE", "été à l'île")]
    [InlineData("𐐀𐐁 DESERET", "𐐨𐐩 deseret")]
    public void Cummingsify_lowercases_letters_of_every_script_under_invariant_globalization(string poem, string lowered)
    {
        Assert.Equal(lowered, Apply("cummingsify", poem));
    }

    [Theory]
    [InlineData("ΦΩΣ", "φως")]
    [InlineData("ΟΔΥΣΣΕΥΣ.", "οδυσσευς.")]
    [InlineData("ΣΟΦΊΑ ΚΑΙ ΦΩΣ\n", "σοφία και φως\n")]
    [InlineData("Σ", "σ")]
    [InlineData("ΑΣ\u0301", "ας\u0301")]
    [InlineData("ασ", "ασ")]
    public void Cummingsify_gives_a_capital_sigma_that_ends_a_word_its_final_form_as_Python_does(string poem, string lowered)
    {
        Assert.Equal(lowered, Apply("cummingsify", poem));
    }

    [Fact]
    public void Cummingsify_leaves_everything_but_letters_alone()
    {
        const string poem = "1, 2, 3!\r\n\t— “quoted” 🌹\n";

        Assert.Equal(poem, Apply("cummingsify", poem));
    }

    [Theory]
    [InlineData("here is my poem", "HERE IS MY POEM")]
    [InlineData("привет, мир", "ПРИВЕТ, МИР")]
    [InlineData("σοφία", "ΣΟΦΊΑ")]
    [InlineData("über öl", "ÜBER ÖL")]
    public void Shout_uppercases_letters_of_every_script(string poem, string shouted)
    {
        Assert.Equal(shouted, Apply("shout", poem));
    }

    [Fact]
    public void Shout_keeps_the_sharp_s_because_simple_case_mapping_has_no_capital_for_it()
    {
        // Full case mapping would give "STRASSE"; the invariant mapping is one character for one.
        Assert.Equal("STRAßE", Apply("shout", "straße"));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("one line", "one line")]
    [InlineData("first\nsecond\nthird\n", "third\nsecond\nfirst\n")]
    [InlineData("first\nsecond\nthird", "third\nsecond\nfirst")]
    [InlineData("first\r\nsecond\r\n", "second\r\nfirst\r\n")]
    [InlineData("a\rb\r", "b\ra\r")]
    [InlineData("\n", "\n")]
    [InlineData("stanza one\nends\n\nstanza two\n", "stanza two\n\nends\nstanza one\n")]
    public void Reverse_lines_reads_the_poem_from_its_last_line_keeping_the_line_endings_in_place(string poem, string reversed)
    {
        Assert.Equal(reversed, Apply("reverse-lines", poem));
    }

    [Fact]
    public void Reverse_lines_twice_gives_back_a_poem_with_consistent_line_endings()
    {
        const string poem = "so much depends\r\nupon\r\n\r\na red wheel\r\nbarrow\r\n";

        Assert.Equal(poem, Apply("reverse-lines", Apply("reverse-lines", poem)));
    }

    [Theory]
    [InlineData("the red wheelbarrow", "The Red Wheelbarrow")]
    [InlineData("SO MUCH DEPENDS UPON", "So Much Depends Upon")]
    [InlineData("don't 'twas o’er forget-me-not", "Don't 'Twas O’er Forget-Me-Not")]
    [InlineData("été à l'île\nпривет мир", "Été À L'île\nПривет Мир")]
    [InlineData("e\u0301te\u0301 OU\u0301", "E\u0301te\u0301 Ou\u0301")]
    [InlineData("1st of may", "1st Of May")]
    [InlineData("ΦΩΣ ΣΟΦΊΑΣ", "Φως Σοφίας")]
    [InlineData("", "")]
    public void Title_case_starts_each_word_with_a_capital_and_lowers_the_rest(string poem, string titled)
    {
        Assert.Equal(titled, Apply("title-case", poem));
    }

    [Fact]
    public void Every_default_transform_is_deterministic()
    {
        const string poem = "Whose woods these are I think I know.\nHis house is in the village though;\n";

        Assert.All(TransformRegistry.Default, t => Assert.Equal(t.Apply(poem), t.Apply(poem)));
    }

    [Fact]
    public void Names_are_matched_exactly_and_case_sensitively()
    {
        Assert.True(TransformRegistry.Default.TryGet("cummingsify", out _));
        Assert.False(TransformRegistry.Default.TryGet("Cummingsify", out _));
        Assert.False(TransformRegistry.Default.TryGet("cummingsify ", out _));
        Assert.False(TransformRegistry.Default.TryGet("", out _));
    }

    [Fact]
    public void A_name_can_be_looked_up_from_a_span_of_characters()
    {
        Assert.True(TransformRegistry.Default.TryGet("xx shout xx".AsSpan(3, 5), out var transform));
        Assert.Equal("shout", transform.Name);
    }

    [Fact]
    public void The_longest_name_bounds_every_name()
    {
        Assert.Equal("reverse-lines".Length, TransformRegistry.Default.LongestName);
    }

    [Fact]
    public void A_duplicate_transform_name_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new TransformRegistry([PoemTransforms.Shout, new PoemTransform("shout", "again", s => s)]));

        Assert.Contains("duplicate transform name 'shout'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("two words")]
    [InlineData("tab\there")]
    public void A_transform_name_that_could_not_be_asked_for_on_the_wire_is_refused(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new PoemTransform(name, "whatever", s => s));
    }

    [Fact]
    public void With_returns_a_new_registry_and_leaves_the_original_unchanged()
    {
        var echo = new PoemTransform("echo", "says it twice", s => s + s);

        var extended = TransformRegistry.Default.With(echo);

        Assert.Equal("echo", extended[^1].Name);
        Assert.Equal(TransformRegistry.Default.Count + 1, extended.Count);
        Assert.False(TransformRegistry.Default.TryGet("echo", out _));
        Assert.True(extended.TryGet("echo", out var found));
        Assert.Equal("lala", found.Apply("la"));
    }
}
