using System.Security.Cryptography;

namespace PoetryActors.Kinds;

/// <summary>
/// The value of a file option (a poem): the resolved path and the file's bytes as they were read,
/// once, when the options were parsed. The service built from the options serves exactly these
/// bytes, and a reload compares them byte for byte, so what was checked, what is served and what a
/// reload compares can never disagree. Equal when path and bytes are. Its SHA-256 is computed the
/// first time it is asked for.
/// </summary>
public sealed class LoadedFile : IEquatable<LoadedFile>
{
    // Computed on first use: a node that never reloads and is no cluster member never needs it, and
    // hashing at parse time loaded the crypto stack (System.Security.Cryptography and OpenSSL's
    // libcrypto, about 5 MB of resident memory) into every idle node.
    private string? _sha256;

    public LoadedFile(string path, byte[] contents)
    {
        Path = path;
        Contents = contents;
    }

    /// <summary>The path the file was read from.</summary>
    public string Path { get; }

    /// <summary>The file's bytes. Not to be modified: the services built from these options share them.</summary>
    public byte[] Contents { get; }

    /// <summary>The SHA-256 of <see cref="Contents"/>, in hexadecimal.</summary>
    // Racing first callers compute the same string; either may be kept.
    public string Sha256 => _sha256 ??= Convert.ToHexString(SHA256.HashData(Contents));

    public bool Equals(LoadedFile? other) =>
        other is not null && Path == other.Path && Contents.AsSpan().SequenceEqual(other.Contents);

    public override bool Equals(object? obj) => Equals(obj as LoadedFile);

    public override int GetHashCode() => HashCode.Combine(Path, Contents.Length);

    /// <summary>The path, as an operator wrote it.</summary>
    public override string ToString() => Path;
}
