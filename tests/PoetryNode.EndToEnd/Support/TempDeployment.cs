namespace PoetryNode.EndToEnd.Support;

/// <summary>A deployment file written for one test in a temporary folder, deleted afterwards.</summary>
public sealed class TempDeployment : IDisposable
{
    public TempDeployment(string hocon, string name = "deployment.hocon")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("poetry-e2e-").FullName;
        Path = System.IO.Path.Combine(Directory, name);
        File.WriteAllText(Path, hocon);
    }

    /// <summary>The temporary folder (also usable as a working directory for pid and log files).</summary>
    public string Directory { get; }

    /// <summary>The deployment file.</summary>
    public string Path { get; }

    /// <summary>Replaces the file's text (for reload tests).</summary>
    public void Rewrite(string hocon) => File.WriteAllText(Path, hocon);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
