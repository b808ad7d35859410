using System.Security.Cryptography;

namespace PoetryActors.Kinds;

/// <summary>
/// The value of a file option (a poem): the resolved path and the file's bytes as they were read,
/// once, when the options were parsed, with their SHA-256. The service built from the options
/// serves exactly these bytes, and a reload compares them by digest, so what was checked, what is
/// served and what a reload compares can never disagree. Equal when path and digest are.
/// </summary>
public sealed class LoadedFile : IEquatable<LoadedFile>
{
    public LoadedFile(string path, byte[] contents)
    {
        Path = path;
        Contents = contents;
        Sha256 = Convert.ToHexString(SHA256.HashData(contents));
    }

    /// <summary>The path the file was read from.</summary>
    public string Path { get; }

    /// <summary>The file's bytes. Not to be modified: the services built from these options share them.</summary>
    public byte[] Contents { get; }

    /// <summary>The SHA-256 of <see cref="Contents"/>, in hexadecimal.</summary>
    public string Sha256 { get; }

    public bool Equals(LoadedFile? other) => other is not null && Path == other.Path && Sha256 == other.Sha256;

    public override bool Equals(object? obj) => Equals(obj as LoadedFile);

    public override int GetHashCode() => HashCode.Combine(Path, Sha256);

    /// <summary>The path, as an operator wrote it.</summary>
    public override string ToString() => Path;
}
