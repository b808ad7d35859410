using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PoetryActors.Kinds;
using static PoetryActors.Download.FetchResult;

namespace PoetryActors.Download;

/// <summary>
/// Downloads one poem with the poem protocol: connect, read everything up to the server's close,
/// with every step bounded (<see cref="FetchLimits"/>). A clean close after at least one byte is
/// success; a close without a byte (no poem), a reset, a refused or timed-out connect, a silent
/// server, a missed deadline or a poem larger than allowed is a <see cref="DownloadFailed"/>
/// naming the address, the step and what happened. Plain async code with no actor, shared by the caching proxy and the
/// client-side downloaders. Only the caller's own cancellation throws
/// (<see cref="OperationCanceledException"/>).
/// </summary>
internal static class PoemFetcher
{
    /// <summary>Fetches the poem served at <paramref name="address"/> within <paramref name="limits"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public static Task<FetchResult> FetchAsync(NetAddress address, FetchLimits limits, CancellationToken cancel = default) =>
        FetchAsync(address, limits, received: null, cancel);

    /// <summary>
    /// Fetches the poem served at <paramref name="address"/> within <paramref name="limits"/>,
    /// calling <paramref name="received"/> with the running total of bytes after every read (for
    /// progress displays; it runs on the reading thread, so it must be quick and thread-safe).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public static async Task<FetchResult> FetchAsync(NetAddress address, FetchLimits limits, Action<int>? received, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        // The first step, from name resolution to the connection, is bounded by the connect timeout.
        using var timeouts = new StepTimeouts(limits.Deadline, limits.ConnectTimeout, cancel);

        var connected = await ConnectAsync(address, limits, timeouts, cancel).ConfigureAwait(false);
        if (connected.Socket is not { } socket)
        {
            return connected.Failure!;
        }

        // Reading to the close is this method's own loop rather than an async method of its own:
        // one state machine less for each of ten thousand downloads waiting at once.
        using (socket)
        {
            var poem = new PoemBuffer();
            // The idle timeout counts from the last bytes received.
            timeouts.StartStep(limits.IdleTimeout);
            try
            {
                while (true)
                {
                    // Waits until the socket is readable without holding a buffer (a zero-byte
                    // receive), then reads what is there straight into the poem, sized to what the
                    // kernel holds; 0 means the server closed cleanly. A download waiting on a slow
                    // server thus holds nothing but its socket, which matters when ten thousand
                    // wait at once. Once bytes have arrived it waits with the one-byte probe
                    // instead: a poem's close usually comes with its last bytes, and then the probe
                    // answers 0 at once, one system call where the zero-byte receive, the count and
                    // the probe took three. Written out here rather than as an async method of its
                    // own: a state machine less per download.
                    var read = 0;
                    var closed = false;
                    if (poem.Length > 0)
                    {
                        read = await socket.ReceiveAsync(poem.Probe, SocketFlags.None, timeouts.Token).ConfigureAwait(false);
                        closed = read == 0;
                        poem.Append(poem.Probe.AsSpan(0, read));
                    }
                    else
                    {
                        await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, timeouts.Token).ConfigureAwait(false);
                    }

                    var available = closed ? 0 : socket.Available;
                    if (available == 0 && read == 0 && !closed)
                    {
                        // Readable with nothing waiting: most likely the close. A one-byte read tells.
                        read = await socket.ReceiveAsync(poem.Probe, SocketFlags.None, timeouts.Token).ConfigureAwait(false);
                        poem.Append(poem.Probe.AsSpan(0, read));
                    }
                    else if (available > 0)
                    {
                        // Room for what has arrived, but no more than one byte past the largest poem
                        // allowed, so that a poem too large shows itself without being read whole.
                        var room = Math.Min(Math.Min(available, FetchLimits.ReadSize), Math.Max(1, limits.MaxPoemBytes + 1 - poem.Length));
                        var more = await socket.ReceiveAsync(poem.GetMemory(room), SocketFlags.None, timeouts.Token).ConfigureAwait(false);
                        poem.Advance(more);
                        read += more;
                    }

                    if (read == 0 && poem.Length == 0)
                    {
                        // The original client printed an empty poem and called it a success; our own
                        // proxies and servers say "no poem" this way, so it is a failure that says so.
                        return new DownloadFailed(address, DownloadStep.Read, FetchFailure.Empty, "the server closed without sending a poem");
                    }

                    if (read == 0)
                    {
                        return new Fetched(address, poem.ToArray(), clock.Elapsed);
                    }

                    timeouts.Progress();
                    received?.Invoke(poem.Length);
                    if (poem.Length > limits.MaxPoemBytes)
                    {
                        return new DownloadFailed(address, DownloadStep.Read, FetchFailure.TooLarge,
                            $"the poem is larger than {limits.MaxPoemBytes} bytes", poem.Length);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                return timeouts.DeadlinePassed
                    ? new DownloadFailed(address, DownloadStep.Read, FetchFailure.DeadlinePassed,
                        $"the deadline of {FetchLimits.Seconds(limits.Deadline)} passed after {poem.Length} bytes", poem.Length)
                    : new DownloadFailed(address, DownloadStep.Read, FetchFailure.IdleTimedOut,
                        $"timed out: no data for {FetchLimits.Seconds(limits.IdleTimeout)} after {poem.Length} bytes", poem.Length);
            }
            catch (SocketException e)
            {
                var (kind, what) = e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
                    ? (FetchFailure.Reset, "connection reset")
                    : (FetchFailure.Other, e.Message);
                return new DownloadFailed(address, DownloadStep.Read, kind, $"{what} after {poem.Length} bytes", poem.Length);
            }
        }
    }

    /// <summary>
    /// Resolves <paramref name="address"/> and opens a TCP connection to it within the connect
    /// timeout (for each address tried) and the deadline of <paramref name="timeouts"/>, whose
    /// current step is the connect; the failure names the step (resolve or connect). Shared with
    /// the transform client, whose connect is the same step.
    /// </summary>
    internal static Task<(Socket? Socket, DownloadFailed? Failure)> ConnectAsync(
        NetAddress address, FetchLimits limits, StepTimeouts timeouts, CancellationToken cancel) =>
        // An address given as an IP connects without the resolving step's own async method: one
        // state machine less for each of ten thousand downloads waiting at once.
        IPAddress.TryParse(address.Host, out var literal)
            ? ConnectAnyAsync(address, [literal], limits, timeouts, cancel)
            : ResolveAndConnectAsync(address, limits, timeouts, cancel);

    private static async Task<(Socket? Socket, DownloadFailed? Failure)> ResolveAndConnectAsync(
        NetAddress address, FetchLimits limits, StepTimeouts timeouts, CancellationToken cancel)
    {
        IPAddress[] candidates;
        try
        {
            candidates = await HostAddresses.ResolveIPv4FirstAsync(address.Host, timeouts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (null, timeouts.DeadlinePassed
                ? new DownloadFailed(address, DownloadStep.Resolve, FetchFailure.DeadlinePassed, $"the deadline of {FetchLimits.Seconds(limits.Deadline)} passed", 0)
                : new DownloadFailed(address, DownloadStep.Resolve, FetchFailure.ConnectTimedOut, $"timed out after {FetchLimits.Seconds(limits.ConnectTimeout)}", 0));
        }
        catch (SocketException e)
        {
            var failure = e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData ? FetchFailure.UnknownHost : FetchFailure.Other;
            return (null, new DownloadFailed(address, DownloadStep.Resolve, failure, failure is FetchFailure.UnknownHost ? "no such host" : e.Message, 0));
        }

        if (candidates.Length == 0)
        {
            return (null, new DownloadFailed(address, DownloadStep.Resolve, FetchFailure.UnknownHost, "the host has no address", 0));
        }

        return await ConnectAnyAsync(address, candidates, limits, timeouts, cancel).ConfigureAwait(false);
    }

    /// <summary>Tries each address in turn, each attempt bounded by the connect timeout; reports the last failure.</summary>
    private static async Task<(Socket? Socket, DownloadFailed? Failure)> ConnectAnyAsync(
        NetAddress address, IPAddress[] candidates, FetchLimits limits, StepTimeouts timeouts, CancellationToken cancel)
    {
        DownloadFailed? failure = null;
        foreach (var ip in candidates)
        {
            var endpoint = new IPEndPoint(ip, address.Port);
            Socket socket;
            try
            {
                socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets)
            {
                return (null, new DownloadFailed(address, DownloadStep.Connect, FetchFailure.Other, OpenFileLimit.Exhausted(), 0));
            }
            // Each address gets the whole connect timeout (the first one's step is already running).
            if (ip != candidates[0])
            {
                timeouts.StartStep(limits.ConnectTimeout);
            }

            try
            {
                await socket.ConnectAsync(endpoint, timeouts.Token).ConfigureAwait(false);
                return (socket, null);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                cancel.ThrowIfCancellationRequested();
                // The server accepted and reset at once, before the connect was seen to complete:
                // that is a reset while reading, with nothing read, not a failure to connect.
                if (e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted })
                {
                    return (null, new DownloadFailed(address, DownloadStep.Read, FetchFailure.Reset, "connection reset after 0 bytes", 0));
                }

                var (kind, detail) = e switch
                {
                    OperationCanceledException when timeouts.DeadlinePassed =>
                        (FetchFailure.DeadlinePassed, $"the deadline of {FetchLimits.Seconds(limits.Deadline)} passed"),
                    OperationCanceledException => (FetchFailure.ConnectTimedOut, $"timed out after {FetchLimits.Seconds(limits.ConnectTimeout)}"),
                    SocketException { SocketErrorCode: SocketError.TimedOut } =>
                        (FetchFailure.ConnectTimedOut, "timed out (by the operating system)"),
                    SocketException { SocketErrorCode: SocketError.ConnectionRefused } => (FetchFailure.Refused, "connection refused"),
                    SocketException { SocketErrorCode: SocketError.HostUnreachable } => (FetchFailure.Unreachable, "host unreachable"),
                    SocketException { SocketErrorCode: SocketError.NetworkUnreachable } => (FetchFailure.Unreachable, "network unreachable"),
                    SocketException { SocketErrorCode: SocketError.TooManyOpenSockets } => (FetchFailure.Other, OpenFileLimit.Exhausted()),
                    _ => (FetchFailure.Other, e.Message),
                };
                // A host name may stand for several addresses: say which one answered so.
                if (!IPAddress.TryParse(address.Host, out _))
                {
                    detail += $" (at {endpoint})";
                }

                failure = new DownloadFailed(address, DownloadStep.Connect, kind, detail, 0);
                // A timed-out attempt has cancelled the shared token: no time is left for another address.
                if (timeouts.Token.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        return (null, failure);
    }
}
