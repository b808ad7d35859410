using System.Globalization;
using System.Runtime.InteropServices;

namespace PoetryActors.Download;

/// <summary>
/// The process's own limit on open files (<c>RLIMIT_NOFILE</c>, what <c>ulimit -n</c> sets): the
/// number of sockets a client may hold at once, which bounds the downloads in flight, and the
/// words for running out of it. Out of descriptors, .NET reports the per-process limit and the
/// system-wide one alike ("Too many open files in system"); an operator needs to know which.
/// </summary>
internal static class OpenFileLimit
{
    // Descriptors the process will open besides its downloads, past those open when the default
    // is worked out (the runtime maps each assembly it loads through one, Akka adds its own).
    private const int Headroom = 96;

    // Without a limit to go by (not Linux or macOS, or an unlimited one), a bound all the same.
    private const int Fallback = 1000;

    /// <summary>The soft limit of this process, or null where it cannot be read or is unlimited.</summary>
    public static long? Current()
    {
        int resource;
        if (OperatingSystem.IsLinux())
        {
            resource = 7;
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            resource = 8;
        }
        else
        {
            return null;
        }

        try
        {
            if (GetRLimit(resource, out var limit) != 0)
            {
                return null;
            }

            return limit.Current is 0 or > int.MaxValue ? null : (long)limit.Current;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// How many downloads may be in flight at once by default: the limit less the descriptors open
    /// now and some headroom for those the process opens later (measured: a running <c>get</c>
    /// holds about 90 before its first socket).
    /// </summary>
    public static int DefaultMaxInFlight() =>
        Current() is { } limit ? (int)Math.Max(1, limit - OpenNow() - Headroom) : Fallback;

    /// <summary>The descriptors this process has open now (Linux); elsewhere a typical count.</summary>
    private static int OpenNow()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 96;
        }
    }

    /// <summary>The reason for a socket refused for want of descriptors, naming the per-process limit.</summary>
    public static string Exhausted() => Current() is { } limit
        ? string.Format(CultureInfo.InvariantCulture,
            "too many open files: this process's limit of {0} (ulimit -n) is used up; lower --max-in-flight or raise the limit", limit)
        : "too many open files: this process's limit is used up; lower --max-in-flight or raise the limit";

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // DllImport rather than LibraryImport: the struct is blittable, and the library needs no unsafe code for it.
    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);
}
