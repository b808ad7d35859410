using System.Runtime.InteropServices;

namespace PoetryActors.Files;

/// <summary>
/// What <c>statx(2)</c> says about a path or an open descriptor, and an open that cannot block.
/// <c>statx</c> is used rather than <c>stat</c> because its buffer has the same layout on every
/// Linux architecture, so it can be declared once here without per-architecture structs.
/// .NET offers neither the file type (FIFO, device, socket) nor a non-blocking open.
/// </summary>
internal static class LinuxFileStatus
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1, StatxSize = 0x200;
    private const int OpenReadOnly = 0, OpenNonBlocking = 0x800, OpenCloseOnExec = 0x80000;

    /// <summary>The kind of file a mode's <c>S_IFMT</c> bits name.</summary>
    public enum FileType { Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, SymbolicLink, Unknown }

    /// <summary>The type and size of <paramref name="path"/> (links followed), or the errno that prevented it.</summary>
    public static (FileType Type, long Size, int Errno) OfPath(string path) =>
        statx(AtFdCwd, path, 0, StatxType | StatxSize, out var buffer) == 0
            ? (TypeOf(buffer.Mode), (long)buffer.Size, 0)
            : (FileType.Unknown, 0, Marshal.GetLastPInvokeError());

    /// <summary>The type and size of an open descriptor.</summary>
    public static (FileType Type, long Size, int Errno) OfDescriptor(int fd) =>
        statx(fd, "", AtEmptyPath, StatxType | StatxSize, out var buffer) == 0
            ? (TypeOf(buffer.Mode), (long)buffer.Size, 0)
            : (FileType.Unknown, 0, Marshal.GetLastPInvokeError());

    /// <summary>
    /// Opens <paramref name="path"/> for reading without blocking: a FIFO with no writer would
    /// otherwise hold <c>open()</c> forever. Returns the descriptor, or -1 and the errno.
    /// </summary>
    public static (int Fd, int Errno) OpenForReading(string path)
    {
        var fd = open(path, OpenReadOnly | OpenNonBlocking | OpenCloseOnExec);
        return fd >= 0 ? (fd, 0) : (-1, Marshal.GetLastPInvokeError());
    }

    private static FileType TypeOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileType.Regular,
        0x4000 => FileType.Directory,
        0x1000 => FileType.Fifo,
        0x2000 => FileType.CharacterDevice,
        0x6000 => FileType.BlockDevice,
        0xC000 => FileType.Socket,
        0xA000 => FileType.SymbolicLink,
        _ => FileType.Unknown,
    };

    // struct statx of <linux/stat.h>: 256 bytes, the same on every architecture. Only the fields read are named.
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        public ushort Spare0;
        public ulong Inode;
        public ulong Size;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
