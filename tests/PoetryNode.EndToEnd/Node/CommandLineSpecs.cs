using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>What poetry-node prints for help, listings and checks, as twistd lists its plugins.</summary>
public sealed class CommandLineSpecs
{
    [Fact]
    public async Task With_no_command_it_lists_the_commands_and_every_service_kind_with_its_description()
    {
        await using var node = NodeProcess.Start();
        Assert.Equal(0, await node.WaitForExitAsync());
        var output = string.Join('\n', node.StdoutLines);
        Assert.Contains("run ", output);
        Assert.Contains("fastpoetry   A fast poetry server", output);
        Assert.Contains("--daemon --pidfile PATH --logfile PATH", output);
    }

    [Fact]
    public async Task The_root_help_lists_the_commands_every_service_kind_and_the_daemon_options_with_defaults()
    {
        await using var node = NodeProcess.Start("--help");
        Assert.Equal(0, await node.WaitForExitAsync());
        var output = string.Join('\n', node.StdoutLines);
        Assert.Contains("fastpoetry", output);
        Assert.Contains("A fast poetry server", output);
        Assert.Contains("run [FILE]", output);
        foreach (var option in (string[])["--daemon", "--pidfile <PATH>", "--logfile <PATH>", "--logfile-size <SIZE>", "--logfile-keep <N>", "--user <USER>", "--group <GROUP>"])
        {
            Assert.Contains(option, output);
        }

        Assert.Contains("(default: poetry-node.pid with --daemon, else none)", output);
        Assert.Contains("[default: 1m]", output);
    }

    [Fact]
    public async Task A_kinds_help_lists_its_options_with_defaults()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--help");
        Assert.Equal(0, await node.WaitForExitAsync());
        var output = string.Join('\n', node.StdoutLines);
        Assert.Contains("--poem <FILE>", output);
        Assert.Contains("--port <PORT>", output);
        Assert.Contains("[default: 10000]", output);
        Assert.Contains("--iface <TEXT>", output);
        Assert.Contains("--poem2 <FILE>", output);
        Assert.Contains("--port2 <PORT>", output);
        // The daemon options work after the kind too.
        Assert.Contains("--daemon", output);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error()
    {
        await using var node = NodeProcess.Start("frobnicate");
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Contains(node.StderrLines, l => l.Contains("frobnicate"));
    }

    [Fact]
    public async Task Check_validates_the_embedded_default_deployment_and_lists_its_services()
    {
        await using var node = NodeProcess.Start("check");
        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.Contains(node.StdoutLines, l => l.Contains("ecstasy") && l.Contains("fastpoetry"));
    }

    [Fact]
    public async Task Every_shipped_example_deployment_passes_its_checks()
    {
        var examples = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "hocon"), "*.hocon", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("broken", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(examples);
        foreach (var example in examples)
        {
            await using var node = NodeProcess.Start("check", example);
            Assert.True(await node.WaitForExitAsync() == 0, $"{example}\n{node.Transcript}");
        }
    }
}
