using PoetryActors.Cluster;
using PoetryActors.Cluster.Watch;
using Xunit;
using static PoetryActors.Cluster.CatalogProtocol;

namespace PoetryActors.Tests.Cluster.Watch;

/// <summary>The changes a watcher prints between two catalogs: one per member or service that differs, none when nothing does.</summary>
public sealed class CatalogChangeSpecs
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 20, 1, 123, TimeSpan.Zero);
    private const string A = "akka.tcp://poetry@127.0.0.1:4053";
    private const string B = "akka.tcp://poetry@127.0.0.1:4054";

    private static CatalogService Poem(string node, string name, string sha = "ab12") =>
        new(node, name, "fastpoetry", "127.0.0.1:11000", name, 100, sha.PadRight(64, '0'));

    private static CurrentCatalog Catalog(CatalogMember[] members, params CatalogService[] services) => new(A, members, services);

    private static string[] Lines(CurrentCatalog? before, CurrentCatalog after) =>
        CatalogChange.Between(before, after, At).Select(c => c.ToString()).ToArray();

    [Fact]
    public void The_first_catalog_is_every_member_up_and_every_service_added()
    {
        var lines = Lines(null, Catalog([new(A, [], "up"), new(B, ["transform"], "joining")], Poem(A, "ecstasy")));
        Assert.Equal(
        [
            "2026-12-01T09:20:01.123Z member-up 127.0.0.1:4053 roles=-",
            "2026-12-01T09:20:01.123Z member-joining 127.0.0.1:4054 roles=transform",
            "2026-12-01T09:20:01.123Z service-added 127.0.0.1:4053/ecstasy fastpoetry 127.0.0.1:11000 poem=ecstasy bytes=100 sha256=ab1200000000",
        ], lines);
    }

    [Fact]
    public void The_same_catalog_twice_is_no_change()
    {
        var catalog = Catalog([new(A, [], "up")], Poem(A, "ecstasy"));
        Assert.Empty(Lines(catalog, Catalog([new(A, [], "up")], Poem(A, "ecstasy"))));
    }

    [Fact]
    public void Unreachable_reachable_and_removed_members_and_removed_and_changed_services_are_one_line_each()
    {
        var before = Catalog([new(A, [], "up"), new(B, [], "up")], Poem(A, "ecstasy"), Poem(B, "lorelei"));
        var unreachable = Catalog([new(A, [], "up"), new(B, [], "unreachable")], Poem(A, "ecstasy", sha: "cd34"));
        Assert.Equal(
        [
            "member-unreachable 127.0.0.1:4054 was up",
            "service-changed 127.0.0.1:4053/ecstasy fastpoetry 127.0.0.1:11000 poem=ecstasy bytes=100 sha256=cd3400000000 (was fastpoetry 127.0.0.1:11000 poem=ecstasy bytes=100 sha256=ab1200000000)",
            "service-removed 127.0.0.1:4054/lorelei fastpoetry 127.0.0.1:11000 poem=lorelei bytes=100 sha256=ab1200000000",
        ], Lines(before, unreachable).Select(l => l[(l.IndexOf(' ') + 1)..]));

        Assert.Equal(["member-reachable 127.0.0.1:4054 was unreachable"],
            Lines(unreachable, Catalog([new(A, [], "up"), new(B, [], "up")], Poem(A, "ecstasy", sha: "cd34"))).Select(l => l[(l.IndexOf(' ') + 1)..]));
        Assert.Equal(["member-removed 127.0.0.1:4054 was unreachable"],
            Lines(unreachable, Catalog([new(A, [], "up")], Poem(A, "ecstasy", sha: "cd34"))).Select(l => l[(l.IndexOf(' ') + 1)..]));
    }
}
