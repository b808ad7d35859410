using System.Globalization;
using Microsoft.Win32.SafeHandles;
using static PoetryActors.Files.LinuxFileStatus;

namespace PoetryActors.Files;

/// <summary>
/// Reads a file only when it is a regular file no larger than a limit, deciding that without
/// blocking and without reading more than the limit: a FIFO, a device (<c>/dev/zero</c>), a
/// socket or a directory is refused with what it is, a file over the limit with its size. Poems,
/// deployment files and their includes are read through here, so no file can hang the node in
/// <c>open()</c> or grow it without bound. Each refusal is a reason that reads after the path
/// (<c>"poetry/x is a directory"</c>).
/// </summary>
internal static class RegularFile
{
    // statx(2) is in glibc since 2.28 and musl since 1.2.5; without it, the portable way (which
    // cannot tell a FIFO from a file before opening it) is all there is.
    private static readonly Lazy<bool> StatxAvailable = new(() =>
    {
        try
        {
            OfPath("/");
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    });

    private const int NoSuchFile = 2, PermissionDenied = 13, NotADirectory = 20, TooManyLinks = 40, NameTooLong = 36;

    /// <summary>
    /// Reads all of <paramref name="path"/>, or says why not. <paramref name="limitName"/> names
    /// the setting behind <paramref name="maxBytes"/> in the reason for a file that is too large.
    /// </summary>
    public static bool TryRead(string path, long maxBytes, string limitName, out byte[] contents, out string reason)
    {
        contents = [];
        if (!OperatingSystem.IsLinux() || !StatxAvailable.Value)
        {
            return TryReadPortably(path, maxBytes, limitName, out contents, out reason);
        }

        // By path first, so a FIFO or a device is never even opened.
        var (type, size, errno) = OfPath(path);
        if (errno != 0 || WhyNot(path, type, size, maxBytes, limitName) is not null)
        {
            reason = errno != 0 ? Describe(path, errno) : WhyNot(path, type, size, maxBytes, limitName)!;
            return false;
        }

        var (fd, openErrno) = OpenForReading(path);
        if (fd < 0)
        {
            reason = Describe(path, openErrno);
            return false;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        // Again on what was opened: the path may have been replaced in between.
        (type, size, errno) = OfDescriptor(fd);
        if (errno != 0 || WhyNot(path, type, size, maxBytes, limitName) is not null)
        {
            reason = errno != 0 ? Describe(path, errno) : WhyNot(path, type, size, maxBytes, limitName)!;
            return false;
        }
        return TryReadAll(handle, path, size, maxBytes, limitName, out contents, out reason);
    }

    /// <summary>A byte count as an operator reads it: <c>512 bytes</c>, <c>1.5 KiB</c>, <c>70 MiB</c>.</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes == 1 ? "1 byte" : $"{bytes} bytes";
        }

        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return $"{value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    private static string? WhyNot(string path, FileType type, long size, long maxBytes, string limitName) => type switch
    {
        FileType.Regular when size > maxBytes => $"{path} is {Size(size)}, over the limit of {Size(maxBytes)} ({limitName})",
        FileType.Regular => null,
        FileType.Directory => $"{path} is a directory",
        FileType.Fifo => $"{path} is not a regular file (it is a named pipe)",
        FileType.CharacterDevice => $"{path} is not a regular file (it is a character device)",
        FileType.BlockDevice => $"{path} is not a regular file (it is a block device)",
        FileType.Socket => $"{path} is not a regular file (it is a socket)",
        _ => $"{path} is not a regular file",
    };

    private static string Describe(string path, int errno) => errno switch
    {
        NoSuchFile or NotADirectory => $"file not found: {path}",
        PermissionDenied => $"{path} cannot be read: permission denied (running as {Environment.UserName})",
        TooManyLinks => $"{path} cannot be read: too many levels of symbolic links",
        NameTooLong => $"{path} cannot be read: the name is too long",
        _ => $"{path} cannot be read: error {errno}",
    };

    private static bool TryReadAll(SafeFileHandle handle, string path, long size, long maxBytes, string limitName, out byte[] contents, out string reason)
    {
        contents = [];
        // One byte more than the limit tells a file that grew past it since it was measured.
        var buffer = new byte[(int)Math.Min(maxBytes + 1, Math.Max(size + 1, 4096))];
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > maxBytes)
                    {
                        break;
                    }

                    Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, (long)buffer.Length * 2));
                }
                var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (IOException e)
        {
            reason = $"{path} cannot be read: {e.Message}";
            return false;
        }
        if (total > maxBytes)
        {
            reason = $"{path} is over the limit of {Size(maxBytes)} ({limitName})";
            return false;
        }
        contents = total == buffer.Length ? buffer : buffer[..total];
        reason = "";
        return true;
    }

    private static bool TryReadPortably(string path, long maxBytes, string limitName, out byte[] contents, out string reason)
    {
        contents = [];
        if (Directory.Exists(path))
        {
            reason = $"{path} is a directory";
            return false;
        }
        try
        {
            var length = new FileInfo(path).Length;
            if (length > maxBytes)
            {
                reason = $"{path} is {Size(length)}, over the limit of {Size(maxBytes)} ({limitName})";
                return false;
            }
            using var handle = File.OpenHandle(path);
            return TryReadAll(handle, path, length, maxBytes, limitName, out contents, out reason);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            reason = $"file not found: {path}";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"{path} cannot be read: {e.Message}";
            return false;
        }
    }
}
