using Akka.Configuration;
using PoetryActors.Configuration;

namespace PoetryActors.Server;

/// <summary>
/// How poem files are read, from <c>poetry.poems</c> (see reference.conf): the largest file a
/// node reads as a poem. Poems are held in memory whole, so the limit bounds what one entry of a
/// deployment can cost. Validated at creation.
/// </summary>
internal sealed record PoemSettings
{
    /// <summary>The setting's full key, named in the reason a poem is refused.</summary>
    public const string MaxBytesKey = "poetry.poems.max-bytes";

    public PoemSettings(long maxBytes)
    {
        if (maxBytes < 1 || maxBytes > Array.MaxLength)
        {
            throw new SettingsException([new SettingProblem(MaxBytesKey, $"expected a size from 1 byte to {Array.MaxLength} bytes, got {maxBytes}")]);
        }

        MaxBytes = maxBytes;
    }

    /// <summary>The largest poem file read, in bytes.</summary>
    public long MaxBytes { get; }

    /// <summary>The defaults of reference.conf.</summary>
    public static PoemSettings Default { get; } = Create(PoetryConfig.Reference);

    /// <summary>Reads <c>poetry.poems</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    public static PoemSettings Create(Config? config)
    {
        var reader = new SettingsReader(config, "poetry.poems");
        var max = reader.Bytes("max-bytes", 1, Array.MaxLength);
        reader.ThrowIfInvalid();
        return new PoemSettings(max);
    }
}
