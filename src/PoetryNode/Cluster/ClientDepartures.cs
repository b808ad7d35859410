using Serilog.Events;

namespace PoetryNode.Cluster;

/// <summary>
/// A client of the cluster leaving, as a member's log would show it: <c>get --cluster</c> and
/// <c>catalog</c> ask from short-lived actor systems of their own (<see cref="GetSystemName"/>,
/// <see cref="CatalogSystemName"/>) and shut them down when answered. Akka.Remote's shutdown races
/// the member's reader: often the member sees the client's goodbye, sometimes only the closed
/// connection, and then logs the end of the association as an error and its address as gated,
/// although nothing went wrong. <see cref="IsClientLeaving(LogEvent)"/> finds those two lines, for the
/// member's log to leave out; the same lines about another member still pass.
/// </summary>
internal static class ClientDepartures
{
    /// <summary>The actor system name of <c>get --cluster</c>'s question over remoting.</summary>
    public const string GetSystemName = "poetry-get";

    /// <summary>The actor system name of <c>catalog</c>'s cluster client.</summary>
    public const string CatalogSystemName = "poetry-client";

    // The endpoint actors of an association with one of them: .../reliableEndpointWriter-akka.tcp%3A%2F%2Fpoetry-get%40HOST%3APORT-N
    private static readonly string[] ClientEndpoints =
        [$"/system/endpointManager/reliableEndpointWriter-akka.tcp%3A%2F%2F{GetSystemName}%40", $"/system/endpointManager/reliableEndpointWriter-akka.tcp%3A%2F%2F{CatalogSystemName}%40"];

    /// <summary>
    /// True for the warning (<c>Association with remote system ... has failed; address is now gated</c>)
    /// and the error (<c>Disassociated</c>) a member logs when a client's connection closes.
    /// </summary>
    public static bool IsClientLeaving(LogEvent e) =>
        IsClientLeaving(e.Level, e.Properties.TryGetValue("LogSource", out var source) && source is ScalarValue { Value: string name } ? name : "",
            e.Exception, e.MessageTemplate.Text);

    /// <summary>The same, from an event's level, source, exception and message template (an Akka event's format).</summary>
    public static bool IsClientLeaving(LogEventLevel level, string source, Exception? cause, string template) =>
        level is LogEventLevel.Warning or LogEventLevel.Error
        && ClientEndpoints.Any(endpoint => source.Contains(endpoint, StringComparison.Ordinal))
        // Akka.Remote keeps the exception type internal: its name is what can be matched.
        && (cause?.GetType().Name == "EndpointDisassociatedException" || template.StartsWith("Association with remote system", StringComparison.Ordinal));
}
