namespace PoetryActors.Cluster.Transforms;

/// <summary>
/// Marks the messages of the cluster's transforms that cross members (the parts of a poem to
/// transform and of its answer): they are bound to <see cref="ClusterTransformSerializer"/>, a
/// binary serializer of ours, because they carry raw poem bytes that JSON would inflate by a third.
/// </summary>
internal interface IClusterTransformMessage;
