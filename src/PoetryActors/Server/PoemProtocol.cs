using PoetryActors.Services;

namespace PoetryActors.Server;

/// <summary>The messages a poem service answers beside the service protocol.</summary>
public static class PoemProtocol
{
    /// <summary>Ask for the poem; answered by <see cref="CurrentPoem"/> or <see cref="PoemUnavailable"/>.</summary>
    public sealed record GetPoem
    {
        public static readonly GetPoem Instance = new();
        private GetPoem() { }
    }

    /// <summary>The poem's bytes, exactly as they are in the file. Never modify the array.</summary>
    public sealed record CurrentPoem(string Source, byte[] Poem);

    /// <summary>The service holds no poem (it is not running).</summary>
    public sealed record PoemUnavailable(string Reason) : IServiceUnavailable;
}
