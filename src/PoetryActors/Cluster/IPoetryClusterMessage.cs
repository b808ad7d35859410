namespace PoetryActors.Cluster;

/// <summary>
/// Marks the messages that cross members (catalog chunks, catalog queries and their answers):
/// they are bound to <see cref="CatalogSerializer"/>, our own serializer, so nothing of ours is
/// ever serialized by Akka's default (Newtonsoft) serializer.
/// </summary>
internal interface IPoetryClusterMessage;
