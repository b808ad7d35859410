using Akka.Configuration;

namespace PoetryActors.Transform;

/// <summary>
/// What a transform server may hold in memory for its connections: the bytes of requests still
/// arriving and of replies not yet taken, across one listener's connections. Read from
/// <c>poetry.transform</c> (reference.conf holds the defaults); validated at creation.
/// </summary>
internal sealed record TransformServerSettings
{
    /// <summary>Settings with a memory budget of <paramref name="memoryBudget"/> bytes.</summary>
    public TransformServerSettings(long memoryBudget)
    {
        if (memoryBudget < 1)
        {
            throw new ConfigurationException($"poetry.transform.memory-budget: must be at least 1 byte, got {memoryBudget}");
        }

        MemoryBudget = memoryBudget;
    }

    /// <summary>The defaults of reference.conf.</summary>
    public static TransformServerSettings Default { get; } = Create();

    /// <summary>The bytes the requests in flight and the replies not yet sent may hold together.</summary>
    public long MemoryBudget { get; }

    /// <summary>Reads <c>poetry.transform</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    public static TransformServerSettings Create(Config? config = null)
    {
        var c = PoetryConfig.WithDefaults(config).GetConfig("poetry.transform");
        long? budget;
        try
        {
            budget = c.GetByteSize("memory-budget");
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"poetry.transform.memory-budget: expected a size such as 64m, got '{c.GetString("memory-budget")}'");
        }
        return new TransformServerSettings(budget ?? throw new ConfigurationException("poetry.transform.memory-budget: missing"));
    }
}
