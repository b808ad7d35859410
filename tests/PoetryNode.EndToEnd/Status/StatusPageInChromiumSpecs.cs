using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;
using Xunit.Abstractions;

namespace PoetryNode.EndToEnd.Status;

/// <summary>
/// The status page as a person sees it: loaded in a real headless Chromium (Debian's
/// <c>chromium</c>, which test.sh installs when it is missing), its script run, the rendered DOM
/// read back, and a screenshot kept as a test artifact.
/// </summary>
public sealed class StatusPageInChromiumSpecs(ITestOutputHelper output)
{
    /// <summary>Where the screenshot is kept: beside the test assembly, under artifacts/.</summary>
    public static readonly string Screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "status-page.png");

    [Fact]
    public async Task The_page_shows_the_services_and_a_poem_counter_that_grows_after_more_fetches()
    {
        await using var node = await StatusNode.StartAsync(StatusNode.Deployment());
        var ports = await node.Process.WaitForStartAsync();
        await node.FetchPoemsAsync(ports[0], 2);

        var first = await Chromium.DumpDomAsync(node.Url + "/");
        Assert.Contains("data-service=\"ecstasy\"", first);
        Assert.Contains("data-service=\"xform\"", first);
        Assert.Matches(@"<span id=""ready"" class=""badge ready"">ready</span>", first);
        Assert.Equal(2, TotalPoems(first));
        Assert.Matches(@"<tr data-service=""ecstasy""[^>]*>.*?<td class=""n poems"">2</td>", first);

        await node.FetchPoemsAsync(ports[0], 3);
        var second = await Chromium.DumpDomAsync(node.Url + "/");
        Assert.Equal(5, TotalPoems(second));

        Directory.CreateDirectory(Path.GetDirectoryName(Screenshot)!);
        File.Delete(Screenshot);
        await Chromium.ScreenshotAsync(node.Url + "/", Screenshot);
        var png = await File.ReadAllBytesAsync(Screenshot);
        Assert.True(png.Length > 1000 && png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a }),
            "the screenshot is not a PNG");
        output.WriteLine($"screenshot of the status page: {Screenshot}");
    }

    [Fact]
    public async Task On_a_cluster_member_the_page_shows_the_members_and_the_catalog()
    {
        await using var cluster = await StatusCluster.StartMemberAsync();
        await cluster.StartSeedAsync();
        await StatusCluster.ClusterWhenFormedAsync(cluster.Member, TimeSpan.FromSeconds(60));

        var dom = await Chromium.DumpDomAsync(cluster.Member.Url + "/");
        Assert.Matches(@"<section id=""cluster-section""(?![^>]*hidden)", dom);
        Assert.Matches($@"(?s)<table id=""members"">.*?<tr><td>akka\.tcp://poetry@127\.0\.0\.1:{cluster.SeedPort}</td><td>[^<]*</td><td>up</td></tr>", dom);
        Assert.Matches(@"<tr><td>akka\.tcp://[^<]+</td><td>[^<]*transform[^<]*</td><td>up</td></tr>", dom);
        Assert.Matches(@"(?s)<table id=""catalog"">.*?<tr><td>akka\.tcp://[^<]+</td><td>science</td><td>fastpoetry</td><td>127\.0\.0\.1:\d+</td><td>science</td>", dom);
    }

    private static int TotalPoems(string dom)
    {
        var match = Regex.Match(dom, @"<span class=""figure"" id=""total-poems"">(?<n>[\d,]+)</span>");
        Assert.True(match.Success, "no poem total in the page:\n" + dom);
        return int.Parse(match.Groups["n"].Value.Replace(",", ""));
    }

    /// <summary>Headless Chromium, with a fresh profile each run and nothing that talks to the network on its own.</summary>
    private static class Chromium
    {
        // Long enough for the page to load and its script to fetch and render status.json once.
        private const int VirtualTimeBudgetMs = 3000;

        public static Task<string> DumpDomAsync(string url) => RunAsync(url, "--dump-dom");

        public static Task<string> ScreenshotAsync(string url, string path) => RunAsync(url, "--screenshot=" + path, "--window-size=1000,900");

        private static async Task<string> RunAsync(string url, params string[] what)
        {
            var executable = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("Chromium is not installed: ./test.sh installs Debian's chromium (or: apt-get install -y chromium)");
            var profile = Directory.CreateTempSubdirectory("poetry-chromium-").FullName;
            try
            {
                var info = new ProcessStartInfo(executable)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                    StandardOutputEncoding = Encoding.UTF8,
                };
                foreach (var arg in new[]
                         {
                             "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                             "--disable-background-networking", "--disable-component-update", "--disable-sync",
                             "--user-data-dir=" + profile, $"--virtual-time-budget={VirtualTimeBudgetMs}",
                         }.Concat(what).Append(url))
                {
                    info.ArgumentList.Add(arg);
                }

                using var process = Process.Start(info)!;
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                using var deadline = new CancellationTokenSource(NodeProcess.Scaled(TimeSpan.FromSeconds(60)));
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    throw new TimeoutException($"chromium did not finish with {url}\n{await stderr}");
                }
                Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}\n{await stderr}");
                return await stdout;
            }
            finally
            {
                try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
            }
        }
    }
}
