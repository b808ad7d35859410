using Akka.Actor;
using Akka.Event;
using PoetryActors.Files;
using PoetryActors.Kinds;
using PoetryActors.Services;
using static PoetryActors.Server.PoemProtocol;

namespace PoetryActors.Server;

/// <summary>
/// Holds a poem (the tutorial's <c>PoetryService</c>) and answers <see cref="PoemProtocol.GetPoem"/>
/// for any protocol that serves it. Built from a deployment, it holds the bytes its options read
/// when the deployment was loaded (<see cref="LoadedFile"/>): the file is read once per load or
/// reload, and a restart after a crash serves the same poem. Built from a path alone, it reads
/// the file when it starts, through <see cref="RegularFile"/> (a regular file within
/// <c>poetry.poems.max-bytes</c>); a file that cannot be read refuses the start.
/// </summary>
internal sealed class PoemServiceActor : ServiceActor
{
    private readonly string _poemPath;
    private readonly byte[]? _loaded;
    private byte[]? _poem;

    /// <summary>A service serving <paramref name="loaded"/>, or reading <paramref name="poemPath"/> at start when it is null; see <see cref="Props(LoadedFile)"/>.</summary>
    public PoemServiceActor(string poemPath, byte[]? loaded)
    {
        _poemPath = poemPath;
        _loaded = loaded;
    }

    /// <summary>Props for a service holding <paramref name="poem"/>, already read.</summary>
    public static Akka.Actor.Props Props(LoadedFile poem) =>
        ConstructorProps.Of(() => new PoemServiceActor(poem.Path, poem.Contents));

    /// <summary>
    /// Props for the poem a kind's option <paramref name="key"/> names: the bytes read with the
    /// options (the usual case), or a bare path given in code, read when the service starts.
    /// </summary>
    public static Akka.Actor.Props Props(ServiceOptions options, string key) =>
        options[key] is LoadedFile poem ? Props(poem) : Props(options.GetString(key));

    /// <summary>Props for a service that reads the poem in <paramref name="poemPath"/> when it starts.</summary>
    public static Akka.Actor.Props Props(string poemPath) =>
        ConstructorProps.Of(() => new PoemServiceActor(poemPath, null));

    protected override Task StartServiceAsync()
    {
        if (_loaded is { } loaded)
        {
            _poem = loaded;
        }
        else
        {
            var limit = PoemSettings.Create(Context.System.Settings.Config).MaxBytes;
            if (!RegularFile.TryRead(_poemPath, limit, PoemSettings.MaxBytesKey, out var contents, out var reason))
            {
                throw new ServiceStartException("poem " + reason);
            }

            _poem = contents;
        }
        Log.Info("loaded a poem from: {0}", _poemPath);
        return Task.CompletedTask;
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
                    ? new CurrentPoem(_poemPath, poem)
                    : new PoemUnavailable($"the poem service '{Name}' is not running"));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
