using System.Text;
using PoetryActors.Kinds;

namespace PoetryActors.Deployment;

/// <summary>
/// A top-level deployment entry as it was (or is about to be) deployed: the checked entry and a
/// digest of the contents of every file its options name (the poems), taken from the bytes read
/// when the deployment was loaded (<see cref="LoadedFile"/>), which are the bytes the services
/// serve. Two deployed entries are equal only when the entry is the same and so is every byte of
/// its files, which is how a reload tells a service whose poem was edited from one that can keep
/// serving untouched.
/// </summary>
internal sealed record DeployedEntry(DeploymentEntry Entry, string FileDigest)
{
    /// <summary>The entry's name: the service's name in the node's root collection.</summary>
    public string Name => Entry.Name;

    /// <summary>The entry with the digest of the files it loaded; reads nothing.</summary>
    public static DeployedEntry Capture(DeploymentEntry entry)
    {
        var digest = new StringBuilder();
        foreach (var (label, key, file) in FilesOf(entry, entry.Name))
        {
            digest.Append(label).Append('.').Append(key).Append('=').Append(file.Sha256).Append(';');
        }

        return new DeployedEntry(entry, digest.ToString());
    }

    private static IEnumerable<(string Label, string Key, LoadedFile File)> FilesOf(DeploymentEntry entry, string label)
    {
        if (entry.IsCollection)
        {
            foreach (var child in entry.Children)
            {
                foreach (var file in FilesOf(child, $"{label}/{child.Name}"))
                {
                    yield return file;
                }
            }

            yield break;
        }

        foreach (var option in entry.Kind!.Options.Where(o => o.Type == OptionType.File))
        {
            if (entry.Options![option.Name] is LoadedFile file)
            {
                yield return (label, option.Name, file);
            }
        }
    }
}
