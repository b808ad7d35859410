using System.Security.Cryptography;
using System.Text;
using PoetryActors.Kinds;

namespace PoetryActors.Deployment;

/// <summary>
/// A top-level deployment entry as it was (or is about to be) deployed: the checked entry and a
/// digest of the contents of every file its options name (the poems). Two deployed entries are
/// equal only when the entry is the same and so is every byte of its files, which is how a
/// reload tells a service whose poem was edited from one that can keep serving untouched.
/// </summary>
public sealed record DeployedEntry(DeploymentEntry Entry, string FileDigest)
{
    /// <summary>The entry's name: the service's name in the node's root collection.</summary>
    public string Name => Entry.Name;

    /// <summary>
    /// Reads the files <paramref name="entry"/> names and digests them. A file that cannot be read
    /// is a problem, reported like any deployment error (the loader only checked it exists).
    /// </summary>
    public static DeployedEntry Capture(DeploymentEntry entry, string source, ICollection<DeploymentError> errors)
    {
        var digest = new StringBuilder();
        foreach (var (label, key, file) in FilesOf(entry, entry.Name))
        {
            try
            {
                var hash = SHA256.HashData(File.ReadAllBytes(file));
                digest.Append(label).Append('.').Append(key).Append('=').Append(Convert.ToHexString(hash)).Append(';');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(new DeploymentError(source, label, key, $"cannot read {file}: {e.Message}"));
            }
        }
        return new DeployedEntry(entry, digest.ToString());
    }

    private static IEnumerable<(string Label, string Key, string File)> FilesOf(DeploymentEntry entry, string label)
    {
        if (entry.IsCollection)
        {
            foreach (var child in entry.Children)
                foreach (var file in FilesOf(child, $"{label}/{child.Name}"))
                    yield return file;
            yield break;
        }

        foreach (var option in entry.Kind!.Options.Where(o => o.Type == OptionType.File))
            if (entry.Options![option.Name] is string file)
                yield return (label, option.Name, file);
    }
}
