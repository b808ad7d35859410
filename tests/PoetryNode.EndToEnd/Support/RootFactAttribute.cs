namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// A test that needs root (CI runs as root) and the unprivileged <c>nobody</c> user and
/// <c>nogroup</c> group to drop to; skipped, saying why, anywhere else.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>The unprivileged user the tests drop to.</summary>
    public const string User = "nobody";

    /// <summary>Its group (Debian's name; other systems call it <c>nobody</c>).</summary>
    public const string Group = "nogroup";

    public RootFactAttribute()
    {
        if (!Posix.IsRoot)
        {
            Skip = "needs root, to drop privileges";
        }
        else if (Account("/etc/passwd", User) is null || Account("/etc/group", Group) is null)
        {
            Skip = $"needs the user {User} and the group {Group}";
        }
    }

    /// <summary>The test starts poetry-node as <see cref="User"/> (not as root dropping to it later).</summary>
    public bool StartsAsNobody { get; set; }

    /// <inheritdoc />
    public override string? Skip
    {
        // A clone under a private folder (mktemp -d makes one 0700): nobody cannot start poetry-node there.
        get => base.Skip ?? (StartsAsNobody && UnreachableFolder(Paths.PoetryNodeDll) is { } folder
            ? $"{User} cannot reach poetry-node: {folder} is not searchable by others"
            : null);
        set => base.Skip = value;
    }

    /// <summary>The first folder above <paramref name="path"/> that others may not search, or null.</summary>
    private static string? UnreachableFolder(string path)
    {
        for (var dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return dir;
            }
        }
        return null;
    }

    /// <summary>The uid (or gid) of <paramref name="name"/> in a passwd-style file.</summary>
    public static uint? Account(string file, string name) =>
        File.ReadLines(file).Select(l => l.Split(':')).Where(f => f.Length > 2 && f[0] == name)
            .Select(f => (uint?)uint.Parse(f[2])).FirstOrDefault();
}
