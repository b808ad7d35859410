using Akka.Actor;
using PoetryActors.Deployment;
using PoetryActors.Kinds;
using PoetryActors.Services;
using Xunit;

namespace PoetryActors.Tests.Services;

/// <summary>What a reload does, worked out from the running services and the re-read ones, compared by revision: plain values, no actors.</summary>
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
        Assert.Equal(("b", "new", "c"), (addition.Service.Name, ((DeploymentEntry)addition.Service.Revision!).Options!.GetString("tag"), addition.Before));
        Assert.Equal(["a", "c"], plan.Unchanged);
    }

    [Fact]
    public void A_service_without_a_revision_is_never_taken_for_unchanged()
    {
        var byHand = new ServiceSpec("a", Props.Empty);
        var plan = ReloadPlan.Between([byHand], [Entry("a")]);
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
        Assert.Equal([("a", "b"), ("c", "d"), ("e", null)], plan.Additions.Select(a => (a.Service.Name, a.Before)));
        Assert.Equal(["a", "c", "e"], plan.Added);
    }

    [Fact]
    public void Untouched_services_are_never_moved_even_when_the_file_reorders_them()
    {
        // d and b are not restarted to follow the file: a comes first of the three, e last.
        var plan = ReloadPlan.Between([Entry("b"), Entry("d")], [Entry("d"), Entry("a"), Entry("b"), Entry("e")]);
        Assert.Empty(plan.Removals);
        Assert.Equal([("a", "b"), ("e", null)], plan.Additions.Select(a => (a.Service.Name, a.Before)));
    }

    [Fact]
    public void An_entry_compares_its_poems_by_the_bytes_read_when_its_options_were_parsed_and_reads_nothing_again()
    {
        var poemKind = new ServiceKind("poems", "a kind with a file", [new KindOption("poem", OptionType.File, "a poem")], (_, _) => []);
        var file = Path.GetTempFileName();
        try
        {
            DeploymentEntry Load() =>
                new("poem", poemKind, poemKind.Parse(new Dictionary<string, string> { ["poem"] = file }).Options, []);
            File.WriteAllText(file, "Where, like a pillow on a bed");
            var first = Load();
            var same = Load();
            File.WriteAllText(file, "A pregnant bank swell'd up to rest");
            var edited = Load();
            var plan = ReloadPlan.Between([Spec(first)], [Spec(edited)]);

            Assert.Equal(first, same);
            Assert.NotEqual(first, edited);
            Assert.Equal(["poem"], plan.Changed);
            // What is compared on reload is what the service serves, whatever the file does since.
            File.Delete(file);
            Assert.Equal(first, same);
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("Where, like a pillow on a bed"u8)), first.Options!.GetFile("poem").Sha256);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static ServiceSpec Spec(DeploymentEntry entry) => new ServiceSpec(entry.Name, Props.Empty) { Revision = entry };

    private static ServiceSpec Entry(string name, string tag = "old") =>
        Spec(new DeploymentEntry(name, Kind, new ServiceOptions([new("tag", tag)]), []));
}
