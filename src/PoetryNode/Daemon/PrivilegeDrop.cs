using System.Globalization;

namespace PoetryNode.Daemon;

/// <summary>
/// The identity a node takes once its ports are bound (<c>--user</c>, <c>--group</c>): twistd's
/// privilege shedding. <see cref="Resolve"/> checks the names before anything starts;
/// <see cref="Apply"/> clears the supplementary groups, then sets the group, then the user (in
/// that order: after <c>setuid</c> the other two are no longer allowed), and checks that every
/// thread of the process really changed.
/// </summary>
internal sealed record PrivilegeDrop(uint Uid, string User, uint Gid, string Group, bool ChangesUser)
{
    /// <summary>
    /// The drop that <paramref name="user"/> and <paramref name="group"/> ask for (null when they
    /// are both absent); every problem (no such user, no such group, not root) goes to <paramref name="errors"/>.
    /// </summary>
    public static PrivilegeDrop? Resolve(string? user, string? group, ICollection<string> errors)
    {
        if (string.IsNullOrEmpty(user) && string.IsNullOrEmpty(group))
        {
            return null;
        }

        UnixUser? account = null;
        if (!string.IsNullOrEmpty(user) && (account = UnixAccounts.FindUser(user)) is null)
        {
            errors.Add($"--user: no such user '{user}'");
        }

        UnixGroup? named = null;
        if (!string.IsNullOrEmpty(group) && (named = UnixAccounts.FindGroup(group)) is null)
        {
            errors.Add($"--group: no such group '{group}'");
        }

        if (account is not null && named is null && string.IsNullOrEmpty(group) && account.PrimaryGid is null)
        {
            errors.Add($"--user: uid {user} has no account, so no primary group: give --group too");
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var uid = account?.Uid ?? Libc.geteuid();
        var gid = named?.Gid ?? account?.PrimaryGid ?? Libc.getegid();
        var euid = Libc.geteuid();
        if (euid != 0 && (uid != euid || gid != Libc.getegid()))
        {
            errors.Add($"--user/--group: only root can switch to another user or group (this is uid {euid})");
            return null;
        }

        var userName = account?.Name ?? UserName(uid);
        var groupName = named?.Name ?? UnixAccounts.GroupName(gid);
        return new PrivilegeDrop(uid, userName, gid, groupName, account is not null);
    }

    /// <summary>Gives <paramref name="path"/> to the target user and group, so the node can still write it afterwards; null on success, else why not.</summary>
    public string? Chown(string path) =>
        Libc.chown(path, ChangesUser ? Uid : uint.MaxValue, Gid) == 0 ? null : $"cannot give {path} to {User}:{Group}: {Libc.LastError()}";

    /// <summary>Switches the whole process to the target identity; throws <see cref="PrivilegeDropException"/> when it cannot.</summary>
    public unsafe void Apply()
    {
        // Resolve admits a caller that is not root only when it asks for the identity it already
        // has: there is nothing to switch, and setgroups would be refused.
        if (Libc.geteuid() != 0)
        {
            return;
        }

        if (Libc.setgroups(0, null) != 0)
        {
            throw new PrivilegeDropException($"cannot clear the supplementary groups: {Libc.LastError()}");
        }

        if (Libc.setgid(Gid) != 0)
        {
            throw new PrivilegeDropException($"cannot switch to group {Group} ({Gid}): {Libc.LastError()}");
        }

        if (ChangesUser && Libc.setuid(Uid) != 0)
        {
            throw new PrivilegeDropException($"cannot switch to user {User} ({Uid}): {Libc.LastError()}");
        }

        var laggards = ThreadsNotSwitched();
        if (laggards.Count > 0)
        {
            throw new PrivilegeDropException($"threads {string.Join(", ", laggards)} kept their old identity");
        }
    }

    /// <summary>One line for the log.</summary>
    public override string ToString() => $"user {User} ({Uid}), group {Group} ({Gid}), no supplementary groups";

    // Every task's real, effective, saved and file-system ids, and its groups, from /proc.
    private List<string> ThreadsNotSwitched()
    {
        var uid = ChangesUser ? Uid : Libc.geteuid();
        var laggards = new List<string>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(task, "status"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }
            var ok = Ids(lines, "Uid:").All(id => id == uid) && Ids(lines, "Gid:").All(id => id == Gid) && !Ids(lines, "Groups:").Any();
            if (!ok)
            {
                laggards.Add(Path.GetFileName(task));
            }
        }
        return laggards;
    }

    private static IEnumerable<uint> Ids(string[] status, string field) =>
        status.Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .SelectMany(l => l[field.Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Select(t => uint.Parse(t, CultureInfo.InvariantCulture));

    private static string UserName(uint uid) =>
        UnixAccounts.FindUser(uid.ToString(CultureInfo.InvariantCulture))!.Name;
}

/// <summary>The node could not take the identity asked for; the message says which step failed and why.</summary>
internal sealed class PrivilegeDropException(string message) : Exception(message);
