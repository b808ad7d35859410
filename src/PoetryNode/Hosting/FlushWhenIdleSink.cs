using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.Async;

namespace PoetryNode.Hosting;

/// <summary>
/// Sits under Serilog's asynchronous wrapper, on its worker thread, around the sink that writes:
/// the writing sink buffers, and this one flushes it whenever the wrapper's queue is empty. Under
/// load a flush (one write to the file or stdout) carries a whole batch of lines; when the node is
/// quiet every line is flushed as soon as it is written, so a log that someone is watching never
/// lags. Nothing is lost at a clean stop: disposing the wrapper drains its queue into this sink,
/// and disposing the writing sink writes what it still holds.
/// </summary>
internal sealed class FlushWhenIdleSink(ILogEventSink inner, IdleMonitor monitor, Action flush) : ILogEventSink, IDisposable
{
    public void Emit(LogEvent logEvent)
    {
        inner.Emit(logEvent);
        if (monitor.QueueIsEmpty)
        {
            Flush();
        }
    }

    // Serilog disposes the writing sink itself (which writes what it holds); nothing is left here.
    public void Dispose() { }

    private void Flush() => flush();
}
/// <summary>Tells <see cref="FlushWhenIdleSink"/> whether the asynchronous wrapper has more events waiting.</summary>
internal sealed class IdleMonitor : IAsyncLogEventSinkMonitor
{
    private volatile IAsyncLogEventSinkInspector? _inspector;

    public bool QueueIsEmpty
    {
        get
        {
            try
            {
                return _inspector is not { } inspector || inspector.Count == 0;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }
    }

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = inspector;

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => _inspector = null;
}
