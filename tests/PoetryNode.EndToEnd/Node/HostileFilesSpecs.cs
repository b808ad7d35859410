using System.Diagnostics;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// Files that used to take the node down: a deployment that includes itself, nested brackets, a
/// FIFO or a device as a poem. <c>check</c> and <c>run</c> refuse them with exit code 2 and one
/// line; a SIGHUP reload with such a file is refused and the node goes on serving.
/// </summary>
public sealed class HostileFilesSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");

    private static string Good => $$"""
        poetry.node.services = [
          { name = good, kind = fastpoetry, poem = "{{Ecstasy}}", port = 0, iface = 127.0.0.1 }
        ]
        """;

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public async Task A_deployment_that_includes_itself_exits_2_with_one_line_naming_the_cycle(string command)
    {
        using var file = new TempDeployment("include \"deployment.hocon\"\n" + Good);

        var run = await CompletedRun.RunAsync(command, file.Path);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Equal([$"poetry-node: {file.Path}: include \"deployment.hocon\": the includes form a cycle: deployment.hocon -> deployment.hocon"], run.StderrLines);
    }

    [Fact]
    public async Task Two_hundred_kilobytes_of_nested_brackets_exit_2_with_one_line()
    {
        using var file = new TempDeployment("poetry.node.services = " + new string('[', 200_000));

        var run = await CompletedRun.RunAsync("check", file.Path);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Equal([$"poetry-node: {file.Path}: line 1: objects and lists are nested more than 64 levels deep"], run.StderrLines);
    }

    [Fact]
    public async Task A_missing_brace_fails_check_with_its_line()
    {
        using var file = new TempDeployment("poetry.node {\n  services = []\n");

        var run = await CompletedRun.RunAsync("check", file.Path);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Equal([$"poetry-node: {file.Path}: line 1: the '{{' opened here is never closed (a missing '}}')"], run.StderrLines);
    }

    [Fact]
    public async Task A_FIFO_poem_is_refused_at_once_by_run_instead_of_blocking_the_node()
    {
        using var file = new TempDeployment("");
        var fifo = Path.Combine(file.Directory, "poem.txt");
        MakeFifo(fifo);
        file.Rewrite($$"""poetry.node.services = [ { name = f, kind = fastpoetry, poem = "{{fifo}}", port = 0, iface = 127.0.0.1 } ]""");
        var clock = Stopwatch.StartNew();

        var run = await CompletedRun.RunAsync("run", "--pidfile=", file.Path);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Equal([$"poetry-node: {file.Path}: services[0] (f): poem: {fifo} is not a regular file (it is a named pipe)"], run.StderrLines);
        Assert.True(clock.Elapsed < NodeProcess.Scaled(TimeSpan.FromSeconds(20)), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_SIGHUP_reload_with_a_self_including_file_nested_brackets_or_a_FIFO_poem_is_refused_and_the_node_goes_on_serving()
    {
        using var file = new TempDeployment(Good);
        await using var node = NodeProcess.Start(["run", file.Path], file.Directory);
        var port = (await node.WaitForStartAsync()).Single();
        var poem = await File.ReadAllBytesAsync(Ecstasy);
        var fifo = Path.Combine(file.Directory, "fifo.txt");
        MakeFifo(fifo);

        string[] hostile =
        [
            "include \"deployment.hocon\"\n" + Good,
            "poetry.node.services = " + new string('[', 200_000),
            $$"""poetry.node.services = [ { name = good, kind = fastpoetry, poem = "{{fifo}}", port = 0, iface = 127.0.0.1 } ]""",
            """poetry.node.services = [ { name = good, kind = fastpoetry, poem = "/dev/zero", port = 0, iface = 127.0.0.1 } ]""",
        ];
        for (var i = 0; i < hostile.Length; i++)
        {
            file.Rewrite(hostile[i]);
            node.Signal(Posix.SigHup);
            await node.WaitForLineAsync(new Regex("reload refused: the running services are left as they were$"), skip: i);
            Assert.Equal(poem, await TcpProbe.ReadPoemAsync(port));
        }

        Assert.Contains(node.StdoutLines, l => l.EndsWith("the includes form a cycle: deployment.hocon -> deployment.hocon"));
        Assert.Contains(node.StdoutLines, l => l.EndsWith("line 1: objects and lists are nested more than 64 levels deep"));
        Assert.Contains(node.StdoutLines, l => l.EndsWith($"poem: {fifo} is not a regular file (it is a named pipe)"));
        Assert.Contains(node.StdoutLines, l => l.EndsWith("poem: /dev/zero is not a regular file (it is a character device)"));
        Assert.DoesNotContain(node.StdoutLines, l => l.Contains(" stopped"));
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
    }

    [Fact]
    public async Task Settings_errors_name_the_file_and_the_full_key_in_check_and_in_get_config()
    {
        using var file = new TempDeployment(Good + "\npoetry.download.idle-timeout = banana\npoetry.listener.backlog = -5\n");

        var check = await CompletedRun.RunAsync("check", file.Path);
        var get = await CompletedRun.RunAsync("get", "--config", file.Path, "127.0.0.1:1");

        Assert.True(check.ExitCode == 2, check.Transcript);
        Assert.Equal(
        [
            $"poetry-node: {file.Path}: poetry.listener.backlog: expected a whole number from 1 to 2147483647, got -5",
            $"poetry-node: {file.Path}: poetry.download.idle-timeout: expected a duration such as 2s, got 'banana'",
        ], check.StderrLines);
        Assert.True(get.ExitCode == 2, get.Transcript);
        Assert.Contains($"poetry-node get: {file.Path}: poetry.download.idle-timeout: expected a duration such as 2s, got 'banana'", get.StderrLines);
    }

    [RootFact(StartsAsNobody = true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Check_reports_a_poem_that_its_user_cannot_read()
    {
        using var file = new TempDeployment("");
        var poem = Path.Combine(file.Directory, "private.txt");
        File.Copy(Ecstasy, poem);
        File.SetUnixFileMode(poem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        file.Rewrite($$"""poetry.node.services = [ { name = p, kind = fastpoetry, poem = "{{poem}}", port = 0 } ]""");
        // Readable by all but the poem, so that the check runs as nobody.
        File.SetUnixFileMode(file.Directory, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(file.Path, (UnixFileMode)0b110_100_100);

        var run = await CompletedRun.RunAsUserAsync("nobody", "check", file.Path);

        Assert.True(run.ExitCode == 2, run.Transcript);
        Assert.Equal([$"poetry-node: {file.Path}: services[0] (p): poem: {poem} cannot be read: permission denied (running as nobody)"], run.StderrLines);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
