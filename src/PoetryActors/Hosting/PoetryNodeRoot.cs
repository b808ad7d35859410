namespace PoetryActors.Hosting;

/// <summary>The key under which the node's root service collection (<c>/user/node</c>, the Application) is registered in Akka.Hosting's actor registry.</summary>
public sealed class PoetryNodeRoot;
