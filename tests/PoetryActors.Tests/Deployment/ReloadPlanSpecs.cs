using Akka.Actor;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryActors.Services;
using Xunit;

namespace PoetryActors.Tests.Deployment;

/// <summary>What a reload does, worked out from the running entries and the re-read ones: plain values, no actors.</summary>
public sealed class ReloadPlanSpecs
{
    private static readonly ServiceKind Kind = new("probe", "a kind for plans",
        [new KindOption("tag", OptionType.Text, "anything")], (_, _) => [new ServiceSpec("probe", Props.Empty)]);

    [Fact]
    public void The_same_entries_change_nothing()
    {
        var plan = ReloadPlan.Between([Entry("a"), Entry("b")], [Entry("a"), Entry("b")]);
        Assert.True(plan.IsEmpty);
        Assert.Equal(["a", "b"], plan.Unchanged);
        Assert.Equal("nothing changed (2 unchanged)", plan.ToString());
    }

    [Fact]
    public void A_changed_entry_is_removed_and_added_again_in_its_place()
    {
        var plan = ReloadPlan.Between([Entry("a"), Entry("b"), Entry("c")], [Entry("a"), Entry("b", tag: "new"), Entry("c")]);
        Assert.Equal(["b"], plan.Changed);
        Assert.Equal(["b"], plan.Removals);
        var addition = Assert.Single(plan.Additions);
        Assert.Equal(("b", "new", "c"), (addition.Entry.Name, addition.Entry.Entry.Options!.GetString("tag"), addition.Before));
        Assert.Equal(["a", "c"], plan.Unchanged);
    }

    [Fact]
    public void An_edited_file_is_a_change_even_when_the_entry_is_the_same()
    {
        var plan = ReloadPlan.Between([Entry("a", digest: "poem=1")], [Entry("a", digest: "poem=2")]);
        Assert.Equal(["a"], plan.Changed);
    }

    [Fact]
    public void Removals_come_in_the_reverse_of_the_running_order_so_services_stop_as_a_MultiService_stops_them()
    {
        var plan = ReloadPlan.Between([Entry("a"), Entry("b"), Entry("c"), Entry("d")], [Entry("a", tag: "new"), Entry("c")]);
        Assert.Equal(["d", "b", "a"], plan.Removals);
        Assert.Equal(["b", "d"], plan.Removed);
    }

    [Fact]
    public void New_entries_go_before_the_earliest_running_service_the_file_puts_after_them()
    {
        var plan = ReloadPlan.Between(
            [Entry("b"), Entry("d")],
            [Entry("a"), Entry("b"), Entry("c"), Entry("d"), Entry("e")]);
        Assert.Equal([("a", "b"), ("c", "d"), ("e", null)], plan.Additions.Select(a => (a.Entry.Name, a.Before)));
        Assert.Equal(["a", "c", "e"], plan.Added);
    }

    [Fact]
    public void Untouched_services_are_never_moved_even_when_the_file_reorders_them()
    {
        // d and b are not restarted to follow the file: a comes first of the three, e last.
        var plan = ReloadPlan.Between([Entry("b"), Entry("d")], [Entry("d"), Entry("a"), Entry("b"), Entry("e")]);
        Assert.Empty(plan.Removals);
        Assert.Equal([("a", "b"), ("e", null)], plan.Additions.Select(a => (a.Entry.Name, a.Before)));
    }

    [Fact]
    public void A_digest_is_of_the_bytes_read_when_the_options_were_parsed_and_reads_nothing_again()
    {
        var poemKind = new ServiceKind("poems", "a kind with a file", [new KindOption("poem", OptionType.File, "a poem")], (_, _) => []);
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "Where, like a pillow on a bed");
        var entry = new DeploymentEntry("poem", poemKind, poemKind.Parse(new Dictionary<string, string> { ["poem"] = file }).Options, []);
        var before = DeployedEntry.Capture(entry);

        // What is compared on reload is what the service serves, whatever the file does since.
        File.Delete(file);
        var after = DeployedEntry.Capture(entry);

        Assert.Equal(before, after);
        Assert.Contains(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("Where, like a pillow on a bed"u8)), before.FileDigest);
    }

    [Fact]
    public void A_digest_follows_the_bytes_of_the_files_an_entry_names()
    {
        var poemKind = new ServiceKind("poems", "a kind with a file", [new KindOption("poem", OptionType.File, "a poem")], (_, _) => []);
        var file = Path.GetTempFileName();
        try
        {
            DeployedEntry Load() => DeployedEntry.Capture(
                new DeploymentEntry("poem", poemKind, poemKind.Parse(new Dictionary<string, string> { ["poem"] = file }).Options, []));
            File.WriteAllText(file, "Where, like a pillow on a bed");
            var first = Load();
            var same = Load();
            File.WriteAllText(file, "A pregnant bank swell'd up to rest");
            var edited = Load();

            Assert.Equal(first, same);
            Assert.NotEqual(first, edited);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static DeployedEntry Entry(string name, string tag = "old", string digest = "") =>
        new(new DeploymentEntry(name, Kind, new ServiceOptions([new("tag", tag)]), []), digest);
}
