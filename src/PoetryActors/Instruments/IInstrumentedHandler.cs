using PoetryActors.Listening;

namespace PoetryActors.Instruments;

/// <summary>
/// A connection handler that counts what it serves (poems, bytes, transforms, cache hits) for
/// its service: the listener hands it the service's <see cref="ServiceInstruments"/> once, before
/// it accepts the first connection. A handler that is not told counts nothing.
/// </summary>
internal interface IInstrumentedHandler : IConnectionHandler
{
    /// <summary>Count from now on into <paramref name="instruments"/>.</summary>
    void UseInstruments(ServiceInstruments instruments);
}
