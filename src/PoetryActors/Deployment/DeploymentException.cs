namespace PoetryActors.Deployment;

/// <summary>A deployment that failed its checks; <see cref="Errors"/> lists every problem found.</summary>
public sealed class DeploymentException(IReadOnlyList<DeploymentError> errors)
    : Exception(errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} problems: " + string.Join("; ", errors))
{
    /// <summary>Each problem, located.</summary>
    public IReadOnlyList<DeploymentError> Errors { get; } = errors;
}
