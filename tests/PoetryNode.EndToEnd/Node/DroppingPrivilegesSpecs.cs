using System.Text.RegularExpressions;
using PoetryNode.EndToEnd.Support;

namespace PoetryNode.EndToEnd.Node;

/// <summary>
/// <c>--user</c> and <c>--group</c>: checked before anything is bound; applied once every port is
/// bound, to every thread, with the supplementary groups cleared; and a node left running as root
/// says so. CI runs as root, so the drop itself is tested for real.
/// </summary>
public sealed class DroppingPrivilegesSpecs
{
    private static readonly string Ecstasy = Paths.Poem("ecstasy.txt");

    [Fact]
    public async Task An_unknown_user_or_group_is_refused_with_exit_code_2_before_anything_is_bound()
    {
        using var freeReserved = TcpProbe.ReservePort();
        var free = freeReserved.Port;
        await using var node = NodeProcess.Start(
            "--user", "no-such-poet", "--group", "no-such-circle",
            "fastpoetry", "--poem", Ecstasy, "--port", free.ToString(), "--iface", "127.0.0.1");

        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Equal(
            ["poetry-node: --user: no such user 'no-such-poet'", "poetry-node: --group: no such group 'no-such-circle'"],
            node.StderrLines);
        Assert.Empty(node.StdoutLines);
        Assert.False(TcpProbe.IsListening(free));
        Assert.False(File.Exists(Path.Combine(node.WorkingDirectory, "poetry-node.pid")));
    }

    [Fact]
    public async Task A_daemon_with_an_unknown_user_is_refused_by_its_launcher()
    {
        using var folder = new TempDeployment("");
        var (launcher, exitCode, daemon) = await DaemonNode.LaunchAsync(folder.Directory,
            "--user", "no-such-poet", "fastpoetry", "--poem", Ecstasy, "--port", "0");
        await using var launched = launcher;
        await using var cleanup = daemon;

        Assert.Equal(2, exitCode);
        Assert.Null(daemon);
        Assert.Equal(["poetry-node: --user: no such user 'no-such-poet'"], launcher.StderrLines);
        Assert.Empty(Directory.GetFiles(folder.Directory, "poetry-node*"));
    }

    [RootFact]
    public async Task As_root_with_user_and_group_it_binds_first_then_every_thread_serves_as_that_user()
    {
        var uid = RootFactAttribute.Account("/etc/passwd", RootFactAttribute.User)!.Value.ToString();
        var gid = RootFactAttribute.Account("/etc/group", RootFactAttribute.Group)!.Value.ToString();
        // As an operator would: a folder the service user owns, for its pid file (and log).
        using var folder = new TempDeployment("");
        Posix.Chown(folder.Directory, uint.Parse(uid), uint.Parse(gid));

        await using var node = NodeProcess.Start(
            ["--user", RootFactAttribute.User, "--group", RootFactAttribute.Group, "--pidfile", "poetry-node.pid",
             "fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1"],
            folder.Directory);
        var ports = await node.WaitForStartAsync();
        await node.WaitForLineAsync(new Regex(
            $@"running as user {RootFactAttribute.User} \({uid}\), group {RootFactAttribute.Group} \({gid}\), no supplementary groups$"));

        // Real, effective, saved and file-system ids, in every thread; no supplementary groups.
        Assert.All(Posix.Threads(node.Pid), tid =>
        {
            Assert.Equal([uid, uid, uid, uid], Posix.StatusField(node.Pid, "Uid", tid));
            Assert.Equal([gid, gid, gid, gid], Posix.StatusField(node.Pid, "Gid", tid));
            Assert.Empty(Posix.StatusField(node.Pid, "Groups", tid));
        });
        // The port bound as root still serves.
        Assert.Equal(await File.ReadAllBytesAsync(Ecstasy), await TcpProbe.ReadPoemAsync(ports.Single()));
        // The binding came first, the drop after it.
        var lines = node.StdoutLines.ToList();
        Assert.True(lines.FindIndex(l => NodeProcess.ListeningOn().IsMatch(l)) < lines.FindIndex(l => l.Contains("running as user")));
        Assert.DoesNotContain(lines, l => l.Contains("running as root"));

        // The pid file still goes at exit: the user may write to its folder.
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
        Assert.False(File.Exists(Path.Combine(folder.Directory, "poetry-node.pid")));
        Assert.Contains(node.StdoutLines, l => l.EndsWith("removed the pid file " + Path.Combine(folder.Directory, "poetry-node.pid")));
    }

    [RootFact]
    public async Task As_root_without_user_or_group_it_warns_that_it_serves_as_root()
    {
        await using var node = NodeProcess.Start("fastpoetry", "--poem", Ecstasy, "--port", "0", "--iface", "127.0.0.1");
        await node.WaitForStartAsync();
        await node.WaitForLineAsync(new Regex(
            @"\[WRN\] .*running as root: give --user and --group to serve as an unprivileged user once the ports are bound$"));
        node.Signal(Posix.SigTerm);
        Assert.Equal(0, await node.WaitForExitAsync());
    }
}
