namespace PoetryNode.EndToEnd.Support;

/// <summary>Where the built poetry-node and the repository's files are, seen from the test output folder.</summary>
public static class Paths
{
    /// <summary>The repository root: the folder holding PoetryActors.sln above the test output.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The build configuration the tests were built with (Debug or Release): the node is built alongside.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>The poetry-node assembly built from src/PoetryNode.</summary>
    public static string PoetryNodeDll { get; } = Path.Combine(RepoRoot, "src", "PoetryNode", "bin", Configuration, "net10.0", "poetry-node.dll");

    /// <summary>A poem shipped in poetry/ (copied to the test output).</summary>
    public static string Poem(string name) => Path.Combine(AppContext.BaseDirectory, "poetry", name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PoetryActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find PoetryActors.sln above " + AppContext.BaseDirectory);
    }
}
