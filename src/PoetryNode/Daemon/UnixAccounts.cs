using System.Globalization;
using System.Runtime.InteropServices;

namespace PoetryNode.Daemon;

/// <summary>A user account: its name (or the number given, when it has no entry), uid and primary group.</summary>
internal sealed record UnixUser(string Name, uint Uid, uint? PrimaryGid);

/// <summary>A group: its name (or the number given, when it has no entry) and gid.</summary>
internal sealed record UnixGroup(string Name, uint Gid);

/// <summary>
/// Looks users and groups up by name or number through the C library, so every source the
/// system is configured for (files, LDAP, systemd's dynamic users) is consulted, as
/// <c>id(1)</c> would. A number without an entry is accepted as it is, as <c>chown</c> does.
/// </summary>
internal static unsafe class UnixAccounts
{
    // The *_r calls want a buffer for the entry's strings; a too small one is answered with ERANGE.
    private const int FirstBufferSize = 4096;
    private const int LastBufferSize = 1 << 20;

    /// <summary>The user named (or numbered) <paramref name="text"/>, or null when there is none.</summary>
    public static UnixUser? FindUser(string text)
    {
        var numeric = uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var uid);
        for (var size = FirstBufferSize; size <= LastBufferSize; size *= 4)
        {
            var buffer = new byte[size];
            Libc.Passwd entry;
            Libc.Passwd* result;
            int error;
            fixed (byte* start = buffer)
            {
                error = numeric
                    ? Libc.getpwuid_r(uid, &entry, start, (nuint)size, &result)
                    : Libc.getpwnam_r(text, &entry, start, (nuint)size, &result);
                if (error == Libc.RangeError)
                {
                    continue;
                }

                if (error == 0 && result != null)
                {
                    return new UnixUser(Marshal.PtrToStringUTF8(entry.Name) ?? text, entry.Uid, entry.Gid);
                }
            }
            break;
        }
        return numeric ? new UnixUser(text, uid, null) : null;
    }

    /// <summary>The group named (or numbered) <paramref name="text"/>, or null when there is none.</summary>
    public static UnixGroup? FindGroup(string text)
    {
        var numeric = uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var gid);
        for (var size = FirstBufferSize; size <= LastBufferSize; size *= 4)
        {
            var buffer = new byte[size];
            Libc.Group entry;
            Libc.Group* result;
            int error;
            fixed (byte* start = buffer)
            {
                error = numeric
                    ? Libc.getgrgid_r(gid, &entry, start, (nuint)size, &result)
                    : Libc.getgrnam_r(text, &entry, start, (nuint)size, &result);
                if (error == Libc.RangeError)
                {
                    continue;
                }

                if (error == 0 && result != null)
                {
                    return new UnixGroup(Marshal.PtrToStringUTF8(entry.Name) ?? text, entry.Gid);
                }
            }
            break;
        }
        return numeric ? new UnixGroup(text, gid) : null;
    }

    /// <summary>The name of group <paramref name="gid"/>, or the number when it has no entry.</summary>
    public static string GroupName(uint gid) => FindGroup(gid.ToString(CultureInfo.InvariantCulture))!.Name;
}
