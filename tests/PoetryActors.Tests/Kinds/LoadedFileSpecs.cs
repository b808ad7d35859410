using System.Security.Cryptography;
using System.Text;
using PoetryActors.Kinds;
using Xunit;

namespace PoetryActors.Tests.Kinds;

/// <summary>
/// A poem read with the options: its SHA-256 is computed when first asked for (not at parse time,
/// which loaded the crypto stack into every idle node), and equality is path and bytes.
/// </summary>
public sealed class LoadedFileSpecs
{
    private static readonly byte[] Poem = Encoding.UTF8.GetBytes("Where, like a pillow on a bed,\nA pregnant bank swell'd up, to rest\n");

    [Fact]
    public void The_SHA_256_is_right_when_first_asked_for_and_the_same_after()
    {
        var file = new LoadedFile("poetry/ecstasy.txt", Poem);

        var first = file.Sha256;

        Assert.Equal(Convert.ToHexString(SHA256.HashData(Poem)), first);
        Assert.Same(first, file.Sha256);
    }

    [Fact]
    public void The_SHA_256_asked_for_from_many_threads_at_once_is_the_one_digest()
    {
        var file = new LoadedFile("poetry/ecstasy.txt", Poem);
        var expected = Convert.ToHexString(SHA256.HashData(Poem));

        var digests = Enumerable.Range(0, 16).AsParallel().Select(_ => file.Sha256).ToList();

        Assert.All(digests, d => Assert.Equal(expected, d));
    }

    [Fact]
    public void Files_are_equal_when_path_and_bytes_are()
    {
        var file = new LoadedFile("poetry/ecstasy.txt", Poem);
        var same = new LoadedFile("poetry/ecstasy.txt", (byte[])Poem.Clone());

        Assert.Equal(file, same);
        Assert.Equal(file.GetHashCode(), same.GetHashCode());
    }

    [Fact]
    public void One_changed_byte_or_another_path_makes_another_file()
    {
        var file = new LoadedFile("poetry/ecstasy.txt", Poem);
        var edited = (byte[])Poem.Clone();
        edited[^2] = (byte)'!';

        Assert.NotEqual(file, new LoadedFile("poetry/ecstasy.txt", edited));
        Assert.NotEqual(file, new LoadedFile("poetry/science.txt", Poem));
        Assert.NotEqual(file, new LoadedFile("poetry/ecstasy.txt", Poem[..^1]));
    }
}
