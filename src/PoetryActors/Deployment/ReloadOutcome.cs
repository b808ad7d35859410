using PoetryActors.Services;

namespace PoetryActors.Deployment;

/// <summary>
/// How a reload went: refused (the file had <see cref="Errors"/>; nothing was touched), or
/// applied by <see cref="Plan"/>, where each of <see cref="Failures"/> is a service that could not
/// start (a changed one was put back as it was when it could be), and <see cref="Running"/> is
/// what the node runs now, as the root collection answered it, in its order.
/// </summary>
internal sealed record ReloadOutcome(
    string Source, IReadOnlyList<DeploymentError> Errors, ReloadPlan? Plan, IReadOnlyList<string> Failures, IReadOnlyList<DeploymentEntry>? Running)
{
    /// <summary>Whether the file was refused and the node left exactly as it was.</summary>
    public bool Refused => Errors.Count > 0;
}
