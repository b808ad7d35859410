using System.Runtime.InteropServices;

namespace PoetryNode.Daemon;

/// <summary>
/// The few libc calls a Unix daemon needs and .NET does not offer: a new session, the standard
/// streams moved to /dev/null, user and group look-ups through NSS, and the change of identity.
/// glibc's <c>setuid</c>/<c>setgid</c>/<c>setgroups</c> apply to every thread of the process
/// (glibc signals each thread to make the same system call), which a multithreaded .NET process
/// needs: the kernel calls alone would change only the calling thread.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    /// <summary><c>O_RDWR</c> for <see cref="open"/>.</summary>
    public const int OpenReadWrite = 2;

    /// <summary><c>W_OK</c> for <see cref="access"/>.</summary>
    public const int WriteAccess = 2;

    /// <summary><c>ERANGE</c>: the look-up buffer was too small.</summary>
    public const int RangeError = 34;

    /// <summary>SIGTERM for <see cref="kill"/>.</summary>
    public const int SigTerm = 15;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setsid();

    [LibraryImport(Library, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int dup2(int oldFd, int newFd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int access(string path, int mode);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, uint owner, uint group);

    [LibraryImport(Library)]
    public static partial uint getuid();

    [LibraryImport(Library)]
    public static partial uint geteuid();

    [LibraryImport(Library)]
    public static partial uint getegid();

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setgroups(nuint size, uint* list);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setgid(uint gid);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setuid(uint uid);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int getpwnam_r(string name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport(Library)]
    public static partial int getpwuid_r(uint uid, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int getgrnam_r(string name, Group* entry, byte* buffer, nuint size, Group** result);

    [LibraryImport(Library)]
    public static partial int getgrgid_r(uint gid, Group* entry, byte* buffer, nuint size, Group** result);

    /// <summary>The last error of a call with <c>SetLastError</c>, as the system words it.</summary>
    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    /// <summary><c>struct passwd</c> (the same layout in glibc and musl).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Home;
        public nint Shell;
    }

    /// <summary><c>struct group</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Group
    {
        public nint Name;
        public nint Password;
        public uint Gid;
        public nint Members;
    }
}
