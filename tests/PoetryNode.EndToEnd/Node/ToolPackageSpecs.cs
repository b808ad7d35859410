using System.Diagnostics;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// poetry-node installs as .NET users install tools: <c>dotnet pack</c> makes a tool package, and
/// the installed tool runs from any directory with its poems and the embedded default deployment.
/// Installed with <c>--tool-path</c> into a folder of the test's own, the way <c>--global</c>
/// installs into <c>~/.dotnet/tools</c>, so the machine's tools are left alone.
/// </summary>
public sealed class ToolPackageSpecs
{
    [Fact]
    public async Task The_packed_tool_installs_and_serves_its_own_poems_from_any_directory()
    {
        var root = Directory.CreateTempSubdirectory("poetry-node-tool-").FullName;
        try
        {
            var packages = Path.Combine(root, "packages");
            var tools = Path.Combine(root, "tools");
            var elsewhere = Directory.CreateDirectory(Path.Combine(root, "elsewhere")).FullName;
            var project = Path.Combine(Paths.RepoRoot, "src", "PoetryNode", "PoetryNode.csproj");

            await DotnetAsync(root, "pack", project, "-c", Paths.Configuration, "--no-build", "-o", packages, "-nologo");
            Assert.Single(Directory.GetFiles(packages, "poetry-node.*.nupkg"));
            await DotnetAsync(root, "tool", "install", "--tool-path", tools, "--add-source", packages, "poetry-node");

            var tool = Path.Combine(tools, "poetry-node");
            var (exit, output) = await RunAsync(tool, elsewhere, "check");
            Assert.True(exit == 0, output);
            Assert.Contains("(embedded default deployment): ok", output);
            // The relative poem paths of the embedded deployment resolve beside the installed tool.
            Assert.Contains(Path.Combine(tools, ".store", "poetry-node"), output);
            Assert.Contains("ecstasy.txt", output);

            // A poem named as the README names it, relative, from a folder without poems: the only
            // problem found is the deliberately bad port (which keeps the node from starting).
            var (serveExit, served) = await RunAsync(tool, elsewhere, "fastpoetry", "--poem", "poetry/science.txt", "--port", "99999");
            Assert.Equal(2, serveExit);
            Assert.Equal("poetry-node fastpoetry: --port: expected a port from 0 to 65535 but got '99999'", served.Trim());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task DotnetAsync(string folder, params string[] args)
    {
        var (exit, output) = await RunAsync("dotnet", folder, args);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', args)}\n{output}");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string folder, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(NodeProcess.Scaled(TimeSpan.FromMinutes(3)));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
