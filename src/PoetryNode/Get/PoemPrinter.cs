namespace PoetryNode.Get;

/// <summary>
/// Writes poems to stdout exactly as they were received, byte for byte. Between two poems it
/// writes one blank line (so a poem that does not end with a newline still ends its line first);
/// nothing comes before the first poem or after the last, so one poem prints byte-exact.
/// </summary>
internal sealed class PoemPrinter(Stream output)
{
    private bool _printedAny;
    private bool _lastEndedLine = true;

    /// <summary>Writes <paramref name="poem"/>, separated from the previous one by a blank line.</summary>
    public void Print(ReadOnlySpan<byte> poem)
    {
        if (_printedAny)
        {
            output.Write(_lastEndedLine ? "\n"u8 : "\n\n"u8);
        }

        output.Write(poem);
        _printedAny = true;
        _lastEndedLine = poem.IsEmpty ? _lastEndedLine : poem[^1] == (byte)'\n';
    }

    /// <summary>Pushes what was written out to the terminal or the pipe.</summary>
    public void Flush() => output.Flush();
}
