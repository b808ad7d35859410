namespace PoetryActors.Deployment;

/// <summary>
/// Checks the bracket structure of HOCON text before Akka's parser sees it, which it cannot do
/// safely itself: the parser recurses once per <c>{</c> or <c>[</c> (200 KB of <c>[</c> overflow the
/// stack and kill the process) and accepts a missing or extra <c>}</c> without a word. Strings and
/// comments are skipped as HOCON defines them. Also refuses control characters, which no
/// deployment contains and which would otherwise reach the terminal in an error message.
/// </summary>
internal static class HoconShape
{
    /// <summary>The first problem of <paramref name="text"/>'s shape, with its line, or null when it is sound.</summary>
    public static (int Line, string Message)? Check(string text, int maxNesting)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                case '"' when i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"':
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        return (line, "a \"\"\" string is never closed");
                    }

                    line += CountLines(text, i, end);
                    i = end + 2;
                    // A triple-quoted string may end with more quotes: """a"""" is a"
                    while (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        i++;
                    }

                    break;
                case '"':
                    i++;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n')
                    {
                        i += text[i] == '\\' && i + 1 < text.Length && text[i + 1] != '\n' ? 2 : 1;
                    }

                    if (i >= text.Length || text[i] == '\n')
                    {
                        return (line, "a quoted string is not closed on its line");
                    }

                    break;
                case '{' or '[':
                    open.Push((c, line));
                    if (open.Count > maxNesting)
                    {
                        return (line, $"objects and lists are nested more than {maxNesting} levels deep");
                    }

                    break;
                case '}' or ']':
                    if (open.Count == 0)
                    {
                        return (line, $"'{c}' closes nothing (an extra '{c}'?)");
                    }

                    var (bracket, openedOn) = open.Pop();
                    if (Closer(bracket) != c)
                    {
                        return (line, $"'{c}' does not close the '{bracket}' opened on line {openedOn} (a missing '{Closer(bracket)}'?)");
                    }

                    break;
                case '\t' or '\r':
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        return (line, $"a control character (\\x{(int)c:x2}): a deployment file is text");
                    }

                    break;
            }
        }
        if (open.Count > 0)
        {
            var (bracket, openedOn) = open.Peek();
            return (openedOn, $"the '{bracket}' opened here is never closed (a missing '{Closer(bracket)}')");
        }
        return null;
    }

    private static char Closer(char bracket) => bracket == '{' ? '}' : ']';

    private static int CountLines(string text, int from, int to)
    {
        var count = 0;
        for (var i = from; i < to; i++)
        {
            if (text[i] == '\n')
            {
                count++;
            }
        }

        return count;
    }
}
