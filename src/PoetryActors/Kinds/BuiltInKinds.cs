using PoetryActors.Proxy;
using PoetryActors.Server;
using PoetryActors.Transform;

namespace PoetryActors.Kinds;

/// <summary>The service kinds this library ships, in the order the command line lists them.</summary>
internal static class BuiltInKinds
{
    /// <summary>All of them.</summary>
    public static IReadOnlyList<ServiceKind> All { get; } =
    [
        FastPoetryKind.Kind,
        SlowPoetryKind.Kind,
        TransformKind.Kind,
        ProxyKind.Kind,
    ];
}
