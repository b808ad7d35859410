using System.Security.Cryptography;

namespace PoetryActors.Kinds;

/// <summary>
/// A poem's SHA-256 as the catalog writes it (lowercase hex): one place for the publishing member,
/// the downloader that checks what arrived, and the proxy that follows a poem by name.
/// </summary>
internal static class PoemDigest
{
    /// <summary>The lowercase hex SHA-256 of <paramref name="poem"/>.</summary>
    public static string Sha256(ReadOnlySpan<byte> poem) => Convert.ToHexStringLower(SHA256.HashData(poem));
}
