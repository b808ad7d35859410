using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using AkkaLogEvent = Akka.Event.LogEvent;

namespace PoetryNode.Hosting;

/// <summary>
/// Writes the node's log behind the threads that log, in batches. Logging an event only puts it
/// in a queue; one worker thread takes everything queued, hands it to the writing sink and then
/// flushes that sink once: one write to the file or stdout for the whole batch. The worker is
/// woken only when it has nothing to do (so on a quiet node every line is written at once), and
/// after a batch it waits <see cref="BatchInterval"/> before the next one, so under load no
/// thread is woken per event at all. (Serilog.Sinks.Async, tried first, wakes its worker for
/// every event: under the poem benchmark's load with a line per connection, 40% of that
/// worker's CPU samples in a perf profile were its waiting and waking.) The queue is bounded: past
/// <see cref="Capacity"/> events the logging thread waits for the worker (a line is never
/// dropped). Disposing writes every queued event, in order, then disposes the writing sink.
/// Akka's events come in as they are (<see cref="TryEmit"/>, from <see cref="NodeAkkaLogger"/>,
/// on the thread that logged): the level, the node's filters, the conversion and the formatting
/// all happen here, on the worker; with <see cref="NodeLogLines"/> the common ones become text
/// with no Serilog event at all.
/// </summary>
internal sealed class BatchingLogSink : ILogEventSink, IDisposable
{
    /// <summary>How long the worker lets events gather after a batch, when more keep coming.</summary>
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The most events waiting to be written; a logging thread waits beyond it.</summary>
    public const int Capacity = 100_000;

    private readonly ILogEventSink _writer;
    private readonly Action _flush;
    private readonly LogEventLevel _minimum;
    private readonly NodeLogLines? _lines;
    private readonly AkkaEventConverter _converter = new();
    // Serilog's events and Akka's, in the order they were logged.
    private readonly System.Collections.Concurrent.ConcurrentQueue<object> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _worker;
    private int _count;
    private int _idle;
    private volatile bool _stopping;

    /// <param name="writer">The sink that formats and writes (buffered); called on the worker thread only.</param>
    /// <param name="flush">Writes out what <paramref name="writer"/> buffered; called after every batch.</param>
    /// <param name="minimum">The lowest level of Akka's events that is written (Serilog's events come filtered).</param>
    /// <param name="lines">Formats Akka's common events for <paramref name="writer"/>, whose formatter it is; null: every event goes to Serilog.</param>
    public BatchingLogSink(ILogEventSink writer, Action flush, LogEventLevel minimum = LogEventLevel.Verbose, NodeLogLines? lines = null)
    {
        _writer = writer;
        _flush = flush;
        _minimum = minimum;
        _lines = lines;
        _worker = new Thread(Run) { IsBackground = true, Name = "log writer" };
        _worker.Start();
    }

    public void Emit(LogEvent logEvent) => Enqueue(logEvent);

    /// <summary>Queues an Akka event to be written; false once the sink is stopping (the caller logs it elsewhere).</summary>
    public bool TryEmit(AkkaLogEvent logEvent)
    {
        if (_stopping)
        {
            return false;
        }

        Enqueue(logEvent);
        return true;
    }

    private void Enqueue(object logEvent)
    {
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            // The writer cannot keep up (a stalled disk): wait rather than lose the line.
            var wait = new SpinWait();
            while (Volatile.Read(ref _count) > Capacity && !_stopping)
            {
                wait.SpinOnce(sleep1Threshold: 10);
            }
        }
        _queue.Enqueue(logEvent);
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
        {
            _wake.Release();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Release();
        _worker.Join();
        WriteQueued();
        (_writer as IDisposable)?.Dispose();
        _wake.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            // Announce idleness before the last look at the queue: an event queued after this
            // look sees the flag and wakes us; one queued before it is seen by the look.
            Volatile.Write(ref _idle, 1);
            Interlocked.MemoryBarrier();
            if (_queue.IsEmpty && !_stopping)
            {
                _wake.Wait();
            }

            Interlocked.Exchange(ref _idle, 0);
            if (_stopping)
            {
                return;
            }

            WriteQueued();
            // Let the next batch gather; an event that comes now waits at most this long.
            Thread.Sleep(BatchInterval);
        }
    }

    private void Write(object queued)
    {
        if (queued is not AkkaLogEvent akka)
        {
            // A Serilog event: the lines before it go first.
            _lines?.Write();
            _writer.Emit((LogEvent)queued);
            return;
        }

        var level = AkkaEventConverter.LevelOf(akka);
        if (level < _minimum || NodeLogging.IsFilteredOut(level, akka.LogSource ?? "", akka.Cause, AkkaEventConverter.TemplateTextOf(akka)))
        {
            return;
        }

        if (_lines is not null && _lines.TryAppend(akka, level))
        {
            return;
        }

        _lines?.Write();
        _writer.Emit(_converter.Convert(akka, level));
    }

    private void WriteQueued()
    {
        var wrote = false;
        while (_queue.TryDequeue(out var logEvent))
        {
            Interlocked.Decrement(ref _count);
            try
            {
                Write(logEvent);
            }
            catch (Exception e)
            {
                SelfLog.WriteLine("the log writer failed on an event: {0}", e);
            }
            wrote = true;
        }
        if (!wrote)
        {
            return;
        }

        try
        {
            _lines?.Write();
            _flush();
        }
        catch (Exception e)
        {
            SelfLog.WriteLine("the log writer failed to flush: {0}", e);
        }
    }
}
