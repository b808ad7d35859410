using System.Diagnostics;
using System.Globalization;
using System.Text;
using PoetryActors.Download;
using PoetryActors.Kinds;
using static PoetryActors.Download.DownloadProtocol;

namespace PoetryNode.Get;

/// <summary>
/// The live progress of <c>get</c> on stderr, redrawn ten times a second: a summary line (done,
/// failed, in progress, bytes, time) and a line for each of the first few downloads in progress
/// with the bytes it has received (those receiving first, then those still waiting). It draws with plain ANSI sequences rather than a widget library
/// because poems printed as they arrive (<c>--as-completed</c>) must interleave with it:
/// <see cref="WriteAbove"/> erases it, lets the caller write, and draws it again. Only used when
/// stderr is a terminal. Thread-safe: events come from the download watcher, redraws from a timer.
/// </summary>
internal sealed class ProgressDisplay : IDisposable
{
    private const int ShownDownloads = 6;

    private readonly object _gate = new();
    private readonly string[] _labels;
    private readonly TextWriter _terminal;
    private readonly int[] _bytes;
    private readonly bool[] _settled;
    private readonly SortedSet<int> _receiving = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private int _done;
    private int _failed;
    private long _totalBytes;
    private int _drawnLines;
    private bool _stopped;

    /// <summary>
    /// Starts drawing the progress of the downloads <paramref name="labels"/> name (an address, or
    /// a poem's name while the catalog is asked) on <paramref name="terminal"/>.
    /// </summary>
    public ProgressDisplay(IReadOnlyList<string> labels, TextWriter terminal)
    {
        _labels = labels.ToArray();
        _terminal = terminal;
        _bytes = new int[labels.Count];
        _settled = new bool[labels.Count];
        // Drawn at once (what is asked for, all waiting), then redrawn on the timer.
        Redraw();
        _timer = new Timer(_ => Redraw(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Whether a live display makes sense: stderr is a terminal that understands ANSI sequences.</summary>
    public static bool IsSupported =>
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");

    /// <summary>Download <c>progress.Index</c> has received <c>progress.Bytes</c> so far.</summary>
    public void OnProgress(DownloadProgress progress)
    {
        lock (_gate)
        {
            _totalBytes += progress.Bytes - _bytes[progress.Index];
            _bytes[progress.Index] = progress.Bytes;
            _receiving.Add(progress.Index);
        }
    }

    /// <summary>A download finished, one way or the other.</summary>
    public void OnSettled(PoemOutcome outcome)
    {
        lock (_gate)
        {
            _receiving.Remove(outcome.Index);
            _settled[outcome.Index] = true;
            if (outcome.Succeeded)
            {
                _done++;
            }
            else
            {
                _failed++;
            }
        }
    }

    /// <summary>Erases the display, runs <paramref name="write"/> (which may write to stdout or stderr), and draws it again.</summary>
    public void WriteAbove(Action write)
    {
        lock (_gate)
        {
            Erase();
            write();
            Draw();
        }
    }

    /// <summary>Stops redrawing and erases the display, leaving the terminal as it was.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            Erase();
            _stopped = true;
        }
    }

    private void Redraw()
    {
        lock (_gate)
        {
            Erase();
            Draw();
        }
    }

    private void Erase()
    {
        if (_drawnLines == 0)
        {
            return;
        }
        // Back to the first line drawn, then clear to the end of the screen.
        _terminal.Write($"\x1b[{_drawnLines}A\r\x1b[J");
        _terminal.Flush();
        _drawnLines = 0;
    }

    private void Draw()
    {
        if (_stopped)
        {
            return;
        }

        var width = Math.Max(Width() - 1, 20);
        var lines = new List<string>
        {
            string.Create(
                CultureInfo.InvariantCulture,
                $"get: {_labels.Length} poem{(_labels.Length == 1 ? "" : "s")}: {_done} done, {_failed} failed, {_labels.Length - _done - _failed} in progress, {_totalBytes:N0} bytes, {_clock.Elapsed.TotalSeconds:0.0} s"),
        };
        // The downloads receiving bytes first, then those still connecting or waiting, by request order.
        var running = _labels.Length - _done - _failed;
        var shown = _receiving.Take(ShownDownloads).ToList();
        for (var index = 0; index < _settled.Length && shown.Count < Math.Min(ShownDownloads, running); index++)
        {
            if (!_settled[index] && _bytes[index] == 0)
            {
                shown.Add(index);
            }
        }

        foreach (var index in shown)
        {
            var state = _bytes[index] > 0 ? string.Create(CultureInfo.InvariantCulture, $"{_bytes[index]:N0} bytes") : "waiting";
            lines.Add($"  download-{index}  {_labels[index]}  {state}");
        }

        if (running > shown.Count)
        {
            lines.Add($"  and {running - shown.Count} more in progress");
        }

        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line.Length > width ? line[..width] : line).Append('\n');
        }

        _terminal.Write(text.ToString());
        _terminal.Flush();
        _drawnLines = lines.Count;
    }

    private static int Width()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }
}
