using System.Globalization;

namespace PoetryActors.Kinds;

/// <summary>
/// A TCP address as the poetry programs write it: <c>PORT</c> (meaning 127.0.0.1, as the
/// tutorial's clients do) or <c>HOST:PORT</c>, with host names allowed and IPv6 literals in brackets.
/// </summary>
public sealed record NetAddress(string Host, int Port)
{
    /// <summary>Parses <paramref name="text"/>, or gives a reason it is not an address.</summary>
    public static bool TryParse(string text, out NetAddress address, out string error)
    {
        address = null!;
        text = text.Trim();
        string host = "127.0.0.1", port = text;
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            host = text[..colon].Trim('[', ']');
            port = text[(colon + 1)..];
            if (host.Length == 0)
            {
                error = $"'{text}' has no host before the ':'";
                return false;
            }
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            error = $"'{text}' is not PORT or HOST:PORT with a port from 1 to 65535";
            return false;
        }
        address = new NetAddress(host, number);
        error = "";
        return true;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/> with the reason.</summary>
    public static NetAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    /// <summary>HOST:PORT, with IPv6 literals bracketed.</summary>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
