using System.Diagnostics;
using PoetryActors.Deployment;
using Xunit;

namespace PoetryActors.Tests.Deployment;

/// <summary>
/// No deployment file, include or poem can take a node down: cycles, deep nesting, huge files,
/// FIFOs, devices and directories are refused with one precise message each, quickly, and
/// nothing of a file that is not a deployment is ever quoted back.
/// </summary>
public sealed class DeploymentFileSafetySpecs : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("deployment-safety-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static DeploymentError SingleError(Func<NodeDeployment> load)
    {
        // Off the test thread with a deadline: a file that blocked the loader must fail the test, not hang it.
        var task = Task.Run(() => Assert.Throws<DeploymentException>(() => load()));
        Assert.True(task.Wait(Limit), "the loader did not return");
        return Assert.Single(task.Result.Errors);
    }

    [Fact]
    public void A_deployment_that_includes_itself_is_refused_naming_the_cycle()
    {
        var self = Write("self.hocon", "include \"self.hocon\"\npoetry.node.services = []\n");

        var error = SingleError(() => DeploymentLoader.Default.LoadFile(self));

        Assert.Equal($"{self}: include \"self.hocon\": the includes form a cycle: self.hocon -> self.hocon", error.ToString());
    }

    [Fact]
    public void A_includes_B_includes_A_is_refused_with_the_chain_of_files()
    {
        var a = Write("a.hocon", "include \"b.hocon\"\npoetry.node.services = []\n");
        Write("b.hocon", "include \"a.hocon\"\n");

        var error = SingleError(() => DeploymentLoader.Default.LoadFile(a));

        Assert.EndsWith("the includes form a cycle: a.hocon -> b.hocon -> a.hocon", error.Message);
    }

    [Fact]
    public void Includes_nested_deeper_than_the_limit_are_refused()
    {
        var limits = DeploymentFileLimits.Default with { MaxIncludeDepth = 3 };
        for (var i = 1; i <= 5; i++)
        {
            Write($"level{i}.hocon", i < 5 ? $"include \"level{i + 1}.hocon\"\n" : "poetry.node.services = []\n");
        }

        var top = Write("top.hocon", "include \"level1.hocon\"\n");

        var error = SingleError(() => new DeploymentLoader(PoetryActors.Kinds.ServiceKindRegistry.Default, limits).LoadFile(top));

        Assert.Contains("includes nest more than 3 deep (poetry.deployment-files.max-include-depth): top.hocon -> level1.hocon -> level2.hocon -> level3.hocon", error.Message);
    }

    [Fact]
    public void Two_hundred_kilobytes_of_nested_brackets_are_refused_with_the_line_not_a_stack_overflow()
    {
        var nested = Write("nested.hocon", "poetry.node.services = " + new string('[', 200_000) + "\n");

        var error = SingleError(() => DeploymentLoader.Default.LoadFile(nested));

        Assert.Equal($"{nested}: line 1: objects and lists are nested more than 64 levels deep", error.ToString());
    }

    [Fact]
    public void Nested_brackets_in_an_include_are_refused_too()
    {
        Write("deep.hocon", "a = " + new string('{', 100_000));
        var top = Write("top.hocon", "include \"deep.hocon\"\npoetry.node.services = []\n");

        var error = SingleError(() => DeploymentLoader.Default.LoadFile(top));

        Assert.EndsWith("deep.hocon: line 1: objects and lists are nested more than 64 levels deep", error.Message);
    }

    [Theory]
    [InlineData("poetry.node.services = [\n  { name = a, kind = transform, port = 0\n]\n", 3, "']' does not close the '{' opened on line 2 (a missing '}'?)")]
    [InlineData("poetry.node { services = [] }\n}\n", 2, "'}' closes nothing (an extra '}'?)")]
    [InlineData("poetry.node {\n  services = []\n", 1, "the '{' opened here is never closed (a missing '}')")]
    [InlineData("poetry.node.services = [] # a } in a comment is no brace\nx = \"a ] in a string\"\n}", 3, "'}' closes nothing (an extra '}'?)")]
    public void Unbalanced_braces_are_reported_with_their_line(string text, int line, string message)
    {
        var error = SingleError(() => DeploymentLoader.Default.Load(text, "test.hocon"));

        Assert.Equal(($"line {line}", message), (error.Entry, error.Message));
    }

    [Theory]
    [InlineData("poetry.node.services = ${poetry.node.services}", "${poetry.node.services}")]
    [InlineData("poetry.node.services = []\na = ${b}\nb = ${a}", "${b}")]
    [InlineData("poetry.node.services = []\na = { x = ${a} }", "${a}")]
    public void A_substitution_that_refers_to_itself_is_refused_not_a_stack_overflow(string text, string substitution)
    {
        var error = SingleError(() => DeploymentLoader.Default.Load(text, "test.hocon"));

        Assert.Equal($"not valid HOCON: the substitution {substitution} refers to itself, directly or through others", error.Message);
    }

    [Fact]
    public void A_chain_of_twenty_thousand_substitutions_is_refused_not_a_stack_overflow()
    {
        var text = "poetry.node.services = []\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"a{i} = ${{a{i + 1}}}\n")) + "a20000 = 1\n";

        var error = SingleError(() => DeploymentLoader.Default.Load(text, "test.hocon"));

        Assert.StartsWith("not valid HOCON: substitutions refer to each other more than 64 deep", error.Message);
    }

    [Fact]
    public void Ordinary_substitutions_are_still_read()
    {
        var deployment = DeploymentLoader.Default.Load("port = 0\npoetry.node.services = [ { name = x, kind = transform, port = ${port}, iface = 127.0.0.1 } ]", "test.hocon");

        Assert.Equal(0, deployment.Services.Single().Options!.GetInt("port"));
    }

    [Fact]
    public void A_deployment_file_over_the_size_limit_is_refused_with_its_size()
    {
        var big = Write("big.hocon", "poetry.node.services = []\n" + new string('#', 2 * 1024 * 1024));

        var error = SingleError(() => DeploymentLoader.Default.LoadFile(big));

        Assert.Equal($"{big}: {big} is 2 MiB, over the limit of 1 MiB (poetry.deployment-files.max-bytes)", error.ToString());
    }

    [Fact]
    public void A_deployment_that_is_a_fifo_a_device_or_a_directory_is_refused_at_once_saying_what_it_is()
    {
        var fifo = Path.Combine(_folder, "fifo.hocon");
        MakeFifo(fifo);

        Assert.Equal($"{fifo} is not a regular file (it is a named pipe)", SingleError(() => DeploymentLoader.Default.LoadFile(fifo)).Message);
        Assert.Equal("/dev/zero is not a regular file (it is a character device)", SingleError(() => DeploymentLoader.Default.LoadFile("/dev/zero")).Message);
        Assert.Equal($"{_folder} is a directory", SingleError(() => DeploymentLoader.Default.LoadFile(_folder)).Message);
    }

    [Fact]
    public void A_poem_that_is_a_fifo_is_refused_without_opening_it()
    {
        var fifo = Path.Combine(_folder, "poem.txt");
        MakeFifo(fifo);
        var clock = Stopwatch.StartNew();

        var error = SingleError(() => DeploymentLoader.Default.Load(Entry(fifo), "test.hocon"));

        Assert.Equal(("services[0] (p)", "poem", $"{fifo} is not a regular file (it is a named pipe)"), (error.Entry, error.Key, error.Message));
        Assert.True(clock.Elapsed < Limit);
    }

    [Theory]
    [InlineData("/dev/zero", "/dev/zero is not a regular file (it is a character device)")]
    [InlineData("/dev/null", "/dev/null is not a regular file (it is a character device)")]
    public void A_poem_that_is_a_device_is_refused_saying_so(string poem, string message)
    {
        var error = SingleError(() => DeploymentLoader.Default.Load(Entry(poem), "test.hocon"));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_poem_that_is_a_directory_is_refused_as_a_directory_not_as_missing()
    {
        var error = SingleError(() => DeploymentLoader.Default.Load(Entry(_folder), "test.hocon"));

        Assert.Equal($"{_folder} is a directory", error.Message);
    }

    [Fact]
    public void A_poem_over_poetry_poems_max_bytes_is_refused_with_its_size_and_the_limit()
    {
        var poem = Write("long.txt", new string('x', 3000));

        var error = SingleError(() => DeploymentLoader.Default.Load(Entry(poem) + "\npoetry.poems.max-bytes = 1KiB\n", "test.hocon"));

        Assert.Equal($"{poem} is 2.9 KiB, over the limit of 1 KiB (poetry.poems.max-bytes)", error.Message);
    }

    [Fact]
    public void The_poem_limit_has_a_default_of_64_MiB()
    {
        Assert.Equal(64L * 1024 * 1024, PoetryActors.Server.PoemSettings.Default.MaxBytes);
    }

    [Fact]
    public void Nothing_of_an_included_file_that_is_not_a_deployment_is_quoted()
    {
        var secret = Write("shadow", "root:$y$j9T$secretsecret:19000:0:99999:7:::\n");
        var top = Write("top.hocon", $"include \"{secret}\"\npoetry.node.services = []\n");

        var error = SingleError(() => DeploymentLoader.Default.LoadFile(top));

        Assert.Equal($"{top}: include \"{secret}\": {secret}: line 1: not valid HOCON: unexpected character", error.ToString());
        Assert.DoesNotContain("secret", error.ToString().Replace(secret, ""));
    }

    [Fact]
    public void A_parse_error_in_a_deployment_quotes_only_a_short_escaped_excerpt_of_its_line()
    {
        var text = "poetry.node.services = []\n," + new string('z', 500) + "\n";

        var error = SingleError(() => DeploymentLoader.Default.Load(text, "test.hocon"));

        Assert.Equal("line 2", error.Entry);
        Assert.Equal("not valid HOCON: unexpected character: ',zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'", error.Message);
    }

    [Fact]
    public void Binary_and_control_characters_are_refused_or_escaped_never_sprayed_into_the_terminal()
    {
        var binary = Path.Combine(_folder, "binary.hocon");
        File.WriteAllBytes(binary, [0x70, 0x6f, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d]);
        Assert.Equal($"{binary} is not UTF-8 text (at byte 2)", SingleError(() => DeploymentLoader.Default.LoadFile(binary)).Message);

        var control = SingleError(() => DeploymentLoader.Default.Load("a = 1\nb = \u001b[31m\n", "test.hocon"));
        Assert.Equal("test.hocon: line 2: a control character (\\x1b): a deployment file is text", control.ToString());

        var name = SingleError(() => DeploymentLoader.Default.Load("poetry.node.services = [ { name = \"a\\u001b[31m\", kind = transform, port = 0 } ]", "test.hocon"));
        Assert.DoesNotContain('\u001b', name.ToString());
        Assert.Contains("\\x1b[31m", name.ToString());
    }

    [Fact]
    public void Settings_errors_name_the_file_and_the_full_key_with_a_reason_in_words()
    {
        var errors = Assert.Throws<DeploymentException>(() => DeploymentLoader.Default.Load("""
            poetry.node.services = []
            poetry.download.idle-timeout = banana
            poetry.listener.backlog = -5
            poetry.services.stop-timeout = 0s
            poetry.poems.max-bytes = lots
            """, "node.hocon")).Errors.Select(e => e.ToString()).ToList();

        Assert.Equal(
        [
            "node.hocon: poetry.services.stop-timeout: must be more than zero, got '0s'",
            "node.hocon: poetry.listener.backlog: expected a whole number from 1 to 2147483647, got -5",
            "node.hocon: poetry.download.idle-timeout: expected a duration such as 2s, got 'banana'",
            "node.hocon: poetry.poems.max-bytes: expected a size such as 1048576 or 64MiB, got 'lots'",
        ], errors);
    }

    private static string Entry(string poem) =>
        $"poetry.node.services = [ {{ name = p, kind = fastpoetry, poem = \"{poem}\", port = 0, iface = 127.0.0.1 }} ]";

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
