using System.Text;
using Serilog.Sinks.File;

namespace PoetryNode.Hosting;

/// <summary>
/// Lets Serilog's file sink write a batch of lines with one system call. The sink, unbuffered,
/// pushes every line through to its file stream at once (and its own buffered mode can only be
/// flushed with an fsync); this hook puts a buffer between the two that passes bytes on only when
/// <see cref="Flush"/> is called (by <see cref="BatchingLogSink"/> after each batch) or
/// when it holds a sixteenth of the size limit. The lines come in chunks of at most
/// <see cref="ChunkChars"/> (<see cref="NodeLogLines"/>), also a sixteenth, and the sink checks
/// the size before each, so a file still ends within an eighth of its limit (and a line) of
/// where an unbuffered one would. Used only from the log writer's thread (<see cref="BatchingLogSink"/>).
/// </summary>
internal sealed class BatchedFileWrites(long? sizeLimit) : FileLifecycleHooks
{
    private const int MaxBatchBytes = 64 * 1024;
    private readonly int _batchBytes = (int)Math.Clamp((sizeLimit ?? MaxBatchBytes * 16L) / 16, 1, MaxBatchBytes);
    private BatchingStream? _current;

    /// <summary>The longest chunk of lines to hand the file sink at once (one line may be longer).</summary>
    public int ChunkChars => _batchBytes;

    public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding) =>
        _current = new BatchingStream(underlyingStream, _batchBytes);

    /// <summary>Writes what the current file's buffer holds.</summary>
    public void Flush() => _current?.WriteOut();

    private sealed class BatchingStream(Stream inner, int batchBytes) : Stream
    {
        private readonly MemoryStream _pending = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _pending.Write(buffer);
            if (_pending.Length >= batchBytes)
            {
                WriteOut();
            }
        }

        // The file sink flushes after every line: that is the moment to keep the line, not to write it.
        public override void Flush() { }

        public void WriteOut()
        {
            if (_pending.Length == 0)
            {
                return;
            }

            inner.Write(_pending.GetBuffer(), 0, (int)_pending.Length);
            inner.Flush();
            _pending.SetLength(0);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                WriteOut();
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
