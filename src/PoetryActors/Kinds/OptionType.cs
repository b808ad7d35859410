namespace PoetryActors.Kinds;

/// <summary>The kinds of value a service kind's option takes, each parsed and checked the same way on the command line and in HOCON.</summary>
public enum OptionType
{
    /// <summary>Free text, such as a host name.</summary>
    Text,
    /// <summary>A file that must exist when the deployment is validated (relative to the working directory, then to the executable).</summary>
    File,
    /// <summary>A TCP port, 0 to 65535; 0 means any free port.</summary>
    Port,
    /// <summary>A whole number within the option's bounds.</summary>
    Integer,
    /// <summary>A duration: seconds as a number (<c>0.7</c>) or with a unit (<c>700ms</c>, <c>2s</c>, <c>1m</c>).</summary>
    Duration,
    /// <summary>A TCP address: <c>PORT</c> (meaning 127.0.0.1) or <c>HOST:PORT</c>.</summary>
    Address,
}
