using Xunit;

namespace PoetryActors.Tests.Support;

/// <summary>The poems copied beside the tests (the repository's <c>poetry/</c> folder).</summary>
public static class Poems
{
    /// <summary>The folder holding the poems in the test output.</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "poetry");

    /// <summary>The full path of the poem <paramref name="file"/>, such as <c>ecstasy.txt</c>.</summary>
    public static string PathOf(string file) => Path.Combine(Folder, file);

    /// <summary>The file names of every poem (<c>*.txt</c>), sorted.</summary>
    public static IReadOnlyList<string> All { get; } =
        Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.txt").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary><see cref="All"/> as xUnit theory data.</summary>
    public static TheoryData<string> AllAsTheoryData()
    {
        var data = new TheoryData<string>();
        foreach (var file in All)
        {
            data.Add(file);
        }

        return data;
    }
}
