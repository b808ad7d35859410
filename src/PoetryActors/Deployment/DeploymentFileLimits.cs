using Akka.Configuration;
using PoetryActors.Configuration;

namespace PoetryActors.Deployment;

/// <summary>
/// How much a deployment file and its includes may be, from <c>poetry.deployment-files</c> of the
/// library's reference.conf: the largest file, the most bytes in all, how deep includes nest and
/// how deep <c>{ }</c> and <c>[ ]</c> nest (Akka's HOCON parser recurses once per level, so a
/// file of nested brackets would otherwise overflow the stack). Validated at creation.
/// </summary>
public sealed record DeploymentFileLimits(long MaxBytes, long MaxTotalBytes, int MaxIncludeDepth, int MaxNesting)
{
    /// <summary>The limits of reference.conf.</summary>
    public static DeploymentFileLimits Default { get; } = Create(PoetryConfig.Reference);

    /// <summary>Reads <c>poetry.deployment-files</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    public static DeploymentFileLimits Create(Config? config)
    {
        var reader = new SettingsReader(config, "poetry.deployment-files");
        var maxBytes = reader.Bytes("max-bytes", 1, Array.MaxLength);
        var maxTotal = reader.Bytes("max-total-bytes", 1, long.MaxValue);
        var depth = reader.Integer("max-include-depth", 0, 64);
        // Well below what the parser's recursion can take on a 1 MiB thread stack.
        var nesting = reader.Integer("max-nesting", 1, 256);
        reader.ThrowIfInvalid();
        return new DeploymentFileLimits(maxBytes, maxTotal, (int)depth, (int)nesting);
    }
}
