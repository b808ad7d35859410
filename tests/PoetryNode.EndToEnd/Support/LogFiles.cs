using System.Text.RegularExpressions;

namespace PoetryNode.EndToEnd.Support;

/// <summary>
/// Reads a node's log as Serilog's file sink writes it: the first file (poetry-node.log), then the
/// rolled-over ones (poetry-node_001.log, _002, ...) in order, as one sequence of lines.
/// </summary>
public static partial class LogFiles
{
    /// <summary>The log files in <paramref name="directory"/>, oldest first.</summary>
    public static IReadOnlyList<string> InOrder(string directory, string name = "poetry-node.log")
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        return Directory.GetFiles(directory, stem + "*" + extension)
            .Select(f => (File: f, Match: Rolled().Match(Path.GetFileName(f)[stem.Length..^extension.Length])))
            .Where(f => f.Match.Success)
            .OrderBy(f => f.Match.Groups["n"].Success ? int.Parse(f.Match.Groups["n"].Value) : 0)
            .Select(f => f.File)
            .ToList();
    }

    /// <summary>Every line of the log, across all its files.</summary>
    public static IReadOnlyList<string> ReadLines(string directory, string name = "poetry-node.log")
    {
        var lines = new List<string>();
        foreach (var file in InOrder(directory, name))
        {
            // The node may be writing: share the file.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }
        return lines;
    }

    /// <summary>Waits for a log line matching <paramref name="pattern"/>; fails with the log at the deadline.</summary>
    public static async Task<Match> WaitForLineAsync(string directory, Regex pattern, TimeSpan? timeout = null, string name = "poetry-node.log")
    {
        var deadline = DateTime.UtcNow + NodeProcess.Scaled(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var lines = Directory.Exists(directory) ? ReadLines(directory, name) : [];
            if (lines.Select(l => pattern.Match(l)).FirstOrDefault(m => m.Success) is { } match)
            {
                return match;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no log line matching /{pattern}/ within the deadline\n{string.Join('\n', lines)}");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"^(_(?<n>\d+))?$")]
    private static partial Regex Rolled();
}
