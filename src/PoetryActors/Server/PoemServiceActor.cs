using Akka.Actor;
using Akka.Event;
using PoetryActors.Services;
using static PoetryActors.Server.PoemProtocol;

namespace PoetryActors.Server;

/// <summary>
/// Holds a poem loaded from a file (the tutorial's <c>PoetryService</c>): it reads the file,
/// byte for byte, when it starts (a missing or unreadable file refuses the start) and answers
/// <see cref="PoemProtocol.GetPoem"/> for any protocol that serves it. Starting it again re-reads
/// the file.
/// </summary>
public sealed class PoemServiceActor(string poemPath) : ServiceActor
{
    private byte[]? _poem;

    /// <summary>Props for a service holding the poem in <paramref name="poemPath"/>.</summary>
    public static Akka.Actor.Props Props(string poemPath) =>
        Akka.Actor.Props.Create(() => new PoemServiceActor(poemPath));

    protected override async Task StartServiceAsync()
    {
        try
        {
            _poem = await File.ReadAllBytesAsync(poemPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServiceStartException(e is FileNotFoundException or DirectoryNotFoundException
                ? $"poem file not found: {poemPath}"
                : $"cannot read poem file {poemPath}: {e.Message}", e);
        }
        Log.Info("loaded a poem from: {0}", poemPath);
    }

    protected override Task StopServiceAsync()
    {
        _poem = null;
        return Task.CompletedTask;
    }

    protected override void OnServiceMessage(object message)
    {
        switch (message)
        {
            case GetPoem:
                Sender.Tell(_poem is { } poem
                    ? new CurrentPoem(poemPath, poem)
                    : new PoemUnavailable($"the poem service '{Name}' is not running"));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
