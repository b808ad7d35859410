using System.Net;
using System.Text.Json;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Status;

/// <summary>
/// Two real cluster members with status endpoints: <see cref="Member"/> (a poem server and a
/// transform server, role <c>transform</c>) is started first, with a seed that is not there yet
/// (a port the test holds, bound and not listening), so that it serves but is not Up in the
/// cluster; <see cref="StartSeedAsync"/> then starts <see cref="Seed"/> (a poem server of
/// <c>science</c>) on that port, and the member joins it.
/// </summary>
internal sealed class StatusCluster : IAsyncDisposable
{
    private readonly TcpProbe.ReservedPort _seedPort;

    private StatusCluster(TcpProbe.ReservedPort seedPort, StatusNode member)
    {
        _seedPort = seedPort;
        Member = member;
    }

    public StatusNode Member { get; }

    public StatusNode? Seed { get; private set; }

    public int SeedPort => _seedPort.Port;

    /// <summary>Starts the member, waits until its services have started, and returns the cluster (no seed yet).</summary>
    public static async Task<StatusCluster> StartMemberAsync()
    {
        // Held for the cluster's life, so that nothing else on the box takes the seed's port.
        var seedPort = TcpProbe.ReservePort();
        StatusNode? member = null;
        try
        {
            member = await StatusNode.StartAsync(StatusNode.Deployment(),
                "--cluster-port", "0", "--seed", $"127.0.0.1:{seedPort.Port}", "--role", "transform");
            await member.Process.WaitForStartAsync(TimeSpan.FromSeconds(60));
            return new StatusCluster(seedPort, member);
        }
        catch
        {
            if (member is not null)
            {
                await member.DisposeAsync();
            }

            seedPort.Dispose();
            throw;
        }
    }

    /// <summary>Starts the seed on the held port (its own only seed: it forms the cluster) and waits until it serves.</summary>
    public async Task StartSeedAsync()
    {
        Seed = await StatusNode.StartAsync($$"""
            poetry.node.services = [ { name = science, kind = fastpoetry, poem = "{{Paths.Poem("science.txt")}}", port = 0, iface = 127.0.0.1 } ]
            poetry.status { port = 0, iface = 127.0.0.1 }
            """, "--cluster-port", SeedPort.ToString(), "--seed", $"127.0.0.1:{SeedPort}");
        await Seed.Process.WaitForStartAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Polls <paramref name="node"/>'s <c>/readyz</c> until it answers <paramref name="wanted"/>; returns the body.</summary>
    public static async Task<string> ReadyzWhenAsync(StatusNode node, HttpStatusCode wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(timeout);
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            using var answer = await node.Http.GetAsync("readyz");
            last = $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}";
            if (answer.StatusCode == wanted)
            {
                return await answer.Content.ReadAsStringAsync();
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"/readyz never answered {(int)wanted}; last: {last}\n{node.Process.Transcript}");
    }

    /// <summary>Polls <paramref name="node"/>'s <c>/status.json</c> until its cluster has both members Up and both members' services.</summary>
    public static async Task<JsonElement> ClusterWhenFormedAsync(StatusNode node, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(timeout);
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            last = await node.Http.GetStringAsync("status.json");
            using var document = JsonDocument.Parse(last);
            if (document.RootElement.TryGetProperty("cluster", out var cluster) && cluster.ValueKind == JsonValueKind.Object
                && cluster.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") == 2
                && cluster.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToHashSet()
                    .IsSupersetOf(["ecstasy", "xform", "science"]))
            {
                return cluster.Clone();
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the member's status never showed the two members and their services; last:\n{last}");
    }

    public async ValueTask DisposeAsync()
    {
        await Member.DisposeAsync();
        if (Seed is not null)
        {
            await Seed.DisposeAsync();
        }

        _seedPort.Dispose();
    }
}
