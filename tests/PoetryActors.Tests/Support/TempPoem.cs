using System.Text;

namespace PoetryActors.Tests.Support;

/// <summary>A poem written to a temporary file for a poem service to load; deleted on dispose.</summary>
internal sealed class TempPoem : IDisposable
{
    public TempPoem(byte[] bytes)
    {
        Bytes = bytes;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"poem-{Guid.NewGuid():N}.txt");
        File.WriteAllBytes(Path, bytes);
    }

    public TempPoem(string text) : this(Encoding.UTF8.GetBytes(text)) { }

    public byte[] Bytes { get; }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
