using System.Globalization;

namespace PoetryNode.Daemon;

/// <summary>
/// The node's pid file (twistd's <c>twistd.pid</c>): checked before anything starts (a file
/// naming a running poetry-node refuses the start; one naming a dead process, or another
/// program, is stale and goes), written once the node runs, and removed at exit if it still
/// names this process. <c>kill $(cat poetry-node.pid)</c> then stops the node cleanly.
/// </summary>
internal sealed class PidFile(string path)
{
    /// <summary>The file's full path.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>What is in the file now.</summary>
    public PidFileState Inspect()
    {
        string text;
        try
        {
            if (!File.Exists(Path))
            {
                return new PidFileState.Free();
            }

            text = File.ReadAllText(Path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new PidFileState.Unreadable(e.Message);
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return new PidFileState.Stale(text.Length == 0 ? "it is empty" : $"it holds '{Shorten(text)}', not a pid");
        }

        if (pid == Environment.ProcessId)
        {
            return new PidFileState.Stale($"it holds this process's own pid {pid}");
        }

        if (IsPoetryNode(pid))
        {
            return new PidFileState.Live(pid);
        }

        return new PidFileState.Stale(Directory.Exists($"/proc/{pid}") ? $"pid {pid} is another program now" : $"no process {pid} is running");
    }

    /// <summary>Deletes a stale file.</summary>
    public void Delete() => File.Delete(Path);

    /// <summary>Writes <paramref name="pid"/>: whole or not at all (a reader never sees half a number).</summary>
    public void Write(int pid)
    {
        var temporary = $"{Path}.{pid}.tmp";
        File.WriteAllText(temporary, pid.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>
    /// Removes the file if it still names <paramref name="pid"/>. Without write access to its
    /// folder (after <c>--user</c>) the file is emptied instead, which the next start treats as
    /// stale. Returns a warning for the log, or null when all went well.
    /// </summary>
    public string? Remove(int pid)
    {
        try
        {
            if (!File.Exists(Path))
            {
                return $"the pid file {Path} was already gone";
            }

            var text = File.ReadAllText(Path).Trim();
            if (text != pid.ToString(CultureInfo.InvariantCulture))
            {
                return $"left the pid file {Path} alone: it names '{Shorten(text)}' now, not this process";
            }

            File.Delete(Path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.WriteAllText(Path, "");
                return $"cannot remove the pid file {Path} ({e.Message}); emptied it instead. Let the node's user write to its folder to have it removed";
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                return $"cannot remove the pid file {Path}: {e.Message}";
            }
        }
    }

    // A process is the node a pid file speaks of only if it is a poetry-node: after a reboot the
    // pid may belong to anything. A zombie has an empty command line and counts as gone.
    private static bool IsPoetryNode(int pid)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return arguments.Take(2).Any(a => System.IO.Path.GetFileName(a) is "poetry-node" or "poetry-node.dll");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "...";
}

/// <summary>What a pid file holds.</summary>
internal abstract record PidFileState
{
    /// <summary>There is no pid file.</summary>
    public sealed record Free : PidFileState;

    /// <summary>It names poetry-node process <paramref name="Pid"/>, still running.</summary>
    public sealed record Live(int Pid) : PidFileState;

    /// <summary>It is left over from a node that is gone; <paramref name="Reason"/> says how we know.</summary>
    public sealed record Stale(string Reason) : PidFileState;

    /// <summary>It cannot be read, so neither checked nor replaced.</summary>
    public sealed record Unreadable(string Reason) : PidFileState;
}
