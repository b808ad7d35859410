using System.Globalization;
using System.Runtime.InteropServices;

namespace PoetryNode.EndToEnd.Support;

/// <summary>What the tests need of the operating system: signals, ownership, and what /proc says about a process.</summary>
public static partial class Posix
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Whether the tests run as root (as CI does), so privileges can be dropped.</summary>
    public static bool IsRoot => geteuid() == 0;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>.</summary>
    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="uid"/>:<paramref name="gid"/>, as an operator would prepare a folder for a service user.</summary>
    public static void Chown(string path, uint uid, uint gid)
    {
        if (chown(path, uid, gid) != 0)
        {
            throw new InvalidOperationException($"chown({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Whether <paramref name="pid"/> is a live process: it exists and is not a zombie waiting for its parent.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": the state follows the last ')', since comm may hold anything.
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A field of /proc/<paramref name="pid"/>/status (or of one of its threads, <paramref name="task"/>), split into its values.</summary>
    public static IReadOnlyList<string> StatusField(int pid, string field, int? task = null)
    {
        var path = task is { } tid ? $"/proc/{pid}/task/{tid}/status" : $"/proc/{pid}/status";
        var line = File.ReadAllLines(path).Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line[(field.Length + 1)..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The ids of every thread of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Threads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Select(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture)).ToList();

    /// <summary>Whether <paramref name="pid"/> has a handler for <paramref name="signal"/> (the SigCgt mask of /proc/PID/status).</summary>
    public static bool Catches(int pid, int signal) =>
        StatusField(pid, "SigCgt") is [var mask, ..] &&
        (ulong.Parse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (signal - 1))) != 0;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, uint owner, uint group);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
