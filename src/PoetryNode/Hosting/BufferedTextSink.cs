using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace PoetryNode.Hosting;

/// <summary>
/// Writes each event as one line of text into a buffered writer (stdout when it is not a
/// terminal: the journal, a pipe, a file) and writes the buffer out only when told to, so that
/// a batch of lines costs one system call instead of one each (Serilog's console sink flushes
/// after every event). Used only from the log writer's thread (<see cref="BatchingLogSink"/>).
/// </summary>
internal sealed class BufferedTextSink(Stream output, ITextFormatter formatter) : ILogEventSink, IDisposable
{
    /// <summary>The writer's buffer, in characters: the longest chunk of lines worth handing it at once.</summary>
    public const int BufferChars = 64 * 1024;

    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), BufferChars) { AutoFlush = false };

    public void Emit(LogEvent logEvent) => formatter.Format(logEvent, _writer);

    private bool _disposed;

    public void Flush()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            _writer.Flush();
        }
        catch (IOException)
        {
            // stdout closed (the reader went away): the node keeps serving without its log.
        }
    }

    public void Dispose()
    {
        Flush();
        _disposed = true;
        try
        {
            _writer.Dispose();
        }
        catch (IOException)
        {
        }
    }
}
