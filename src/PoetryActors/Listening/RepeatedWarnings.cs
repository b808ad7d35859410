using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Akka.Event;

namespace PoetryActors.Listening;

/// <summary>
/// Keeps a flood of one kind of warning from flooding the log: the first warning of a kind is
/// logged as it is, the next ones within <see cref="Window"/> are only counted, and when the
/// window closes one line sums them up, led by the kind
/// (<c>transform request refused: ... and 9,812 more like this in the last 10 s</c>). A kind is a
/// short phrase chosen by the caller. Thread-safe:
/// the accept thread and every connection of a listener share one.
/// </summary>
/// <remarks>
/// One process-wide thread, once a second, writes the summaries whose window has closed, so the
/// last of a flood is summed up too; it holds the instances weakly, so one that is no longer used
/// needs no disposing. The thread starts with the first warning that is counted instead of logged:
/// until then there is no summary to write, and an idle node has one thread (and one wake-up a
/// second) fewer.
/// </remarks>
internal sealed class RepeatedWarnings
{
    private static readonly ConditionalWeakTable<RepeatedWarnings, object?> Live = new();
    private static readonly Lazy<Thread> Flusher = new(StartFlusher, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<string, Kind> _kinds = new();

    /// <summary>Summarises warnings to <paramref name="log"/> over windows of <paramref name="window"/> (10 s by default).</summary>
    public RepeatedWarnings(ILoggingAdapter log, TimeSpan? window = null)
    {
        _log = log;
        Window = window ?? TimeSpan.FromSeconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Window, TimeSpan.Zero);
        Live.Add(this, null);
    }

    /// <summary>How long after the first warning of a kind its repeats are counted instead of logged.</summary>
    public TimeSpan Window { get; }

    /// <summary>Logs <paramref name="message"/> as a warning of kind <paramref name="kind"/>, or counts it if one was logged within the window.</summary>
    public void Warn(string kind, string message)
    {
        var state = _kinds.GetOrAdd(kind, name => new Kind(name));
        string? summary;
        lock (state)
        {
            var now = Environment.TickCount64;
            if (state.WindowEnds > now)
            {
                state.Suppressed++;
                _ = Flusher.Value;
                return;
            }
            summary = TakeSummary(state);
            state.WindowEnds = now + (long)Window.TotalMilliseconds;
        }
        if (summary is not null)
        {
            _log.Warning(summary);
        }

        _log.Warning(message);
    }

    /// <summary>Writes the summaries of the windows that have closed (with <paramref name="all"/>, of every window).</summary>
    public void Flush(bool all = false)
    {
        var now = Environment.TickCount64;
        foreach (var state in _kinds.Values)
        {
            string? summary;
            lock (state)
            {
                if (!all && state.WindowEnds > now)
                {
                    continue;
                }

                summary = TakeSummary(state);
            }
            if (summary is not null)
            {
                _log.Warning(summary);
            }
        }
    }

    // A thread of its own rather than a timer: the summaries of a flood must come out even when
    // the flood keeps the thread pool busy.
    private static Thread StartFlusher()
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(TimeSpan.FromSeconds(1));
                FlushAll();
            }
        })
        { IsBackground = true, Name = "repeated-warnings" };
        thread.Start();
        return thread;
    }

    private static void FlushAll()
    {
        foreach (var (warnings, _) in Live)
        {
            try { warnings.Flush(); }
            catch (Exception) { /* a logger that fails must not stop the others' summaries */ }
        }
    }

    // Under the kind's lock: the line for the repeats counted so far, which it then forgets.
    private string? TakeSummary(Kind state)
    {
        if (state.Suppressed == 0)
        {
            return null;
        }

        var line = string.Format(CultureInfo.InvariantCulture, "{0}: ... and {1:N0} more like this in the last {2:0.##} s", state.Name, state.Suppressed, Window.TotalSeconds);
        state.Suppressed = 0;
        return line;
    }

    private sealed class Kind(string name)
    {
        public readonly string Name = name;
        public long WindowEnds;
        public long Suppressed;
    }
}
