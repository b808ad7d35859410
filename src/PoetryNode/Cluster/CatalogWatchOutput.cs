using System.Text.Json;
using Akka.Actor;
using PoetryActors.Cluster.Watch;
using PoetryActors.Kinds;
using PoetryNode.Cli;

namespace PoetryNode.Cluster;

/// <summary>
/// <c>poetry-node catalog --watch</c>: the cluster's changes on stdout as they happen, one line
/// each (<see cref="CatalogChange"/>'s text, or one JSON object per line with <c>--json</c>),
/// flushed at once so that a pipe sees them live. It starts with the current members and
/// services, as changes from nothing. Ctrl+C (or SIGTERM) ends it with exit code 0; exit 1 when
/// no contact point answers the first question within the timeout.
/// </summary>
internal static class CatalogWatchOutput
{
    /// <summary>The default of <c>--interval</c>.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>The interval given (only with <c>--watch</c>), or the default; a bad one is added to <paramref name="problems"/>.</summary>
    public static TimeSpan ReadInterval(string? text, bool watch, List<string> problems)
    {
        if (text is null)
        {
            return DefaultInterval;
        }

        if (!watch)
        {
            problems.Add("--interval: only with --watch");
        }

        if (OptionValueParser.TryParseDuration(text, out var interval) && interval >= TimeSpan.FromMilliseconds(50))
        {
            return interval;
        }

        problems.Add($"--interval: expected a duration of at least 50ms, such as 500ms or 2s, but got '{text}'");
        return DefaultInterval;
    }

    /// <summary>Watches until <paramref name="cancellation"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(ActorSystem system, IReadOnlyList<NetAddress> contacts, TimeSpan interval, TimeSpan timeout, bool json, CancellationToken cancellation)
    {
        // Ctrl+C and SIGTERM end the watch, which is its normal end (the command line leaves
        // signals to the commands: without this the runtime would exit 130 on SIGINT).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return await WatchAsync(system, contacts, interval, timeout, json, stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> WatchAsync(ActorSystem system, IReadOnlyList<NetAddress> contacts, TimeSpan interval, TimeSpan timeout, bool json, CancellationToken cancellation)
    {
        var stdout = Console.Out;
        var ending = await CatalogWatch.RunAsync(system, contacts, interval, timeout,
            change =>
            {
                stdout.WriteLine(json ? Json(change) : change.ToString());
                stdout.Flush();
            },
            reason => Console.Error.WriteLine($"poetry-node catalog: {reason}"),
            cancellation);
        return ending == CatalogWatch.Ending.NeverAnswered ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static string Json(CatalogChange change)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("time", change.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("event", change.Event);
            writer.WriteString("subject", change.Subject);
            writer.WriteString("detail", change.Detail);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
