namespace PoetryActors.Cluster;

/// <summary>The key under which a member's catalog actor (<c>/user/catalog</c>, a <see cref="CatalogActor"/>) is registered in Akka.Hosting's actor registry.</summary>
public sealed class PoetryCatalog;
