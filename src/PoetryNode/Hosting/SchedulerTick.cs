namespace PoetryNode.Hosting;

/// <summary>
/// The node's default for Akka's scheduler tick: 50 ms instead of Akka's 10 ms. Akka's timer wheel
/// ticks whether or not anything is scheduled, and each tick is a .NET timer callback handed to the
/// thread pool, which wakes a worker or two: at 10 ms an idle node woke its timer thread about 330
/// times a second and spent 2.4% of a core doing nothing (Twisted's idle reactor: none); at 50 ms,
/// 58 wake-ups and 0.5%; at 100 ms, 0.35% (tests/benchmarks/README.md, "Stop 19"). Every timer the
/// node uses through Akka (a service's stop budget, the catalog's republish and sweep, the cluster's
/// one-second gossip and heartbeats, receive timeouts) is counted in seconds, where 50 ms more is
/// noise; Akka.Cluster uses the system's scheduler, so no second wheel starts. Slow poetry's chunks
/// and the downloads' own timeouts do not go through Akka's scheduler. A deployment that wants
/// finer timers sets <c>akka.scheduler.tick-duration</c> itself: this is only the fallback.
/// <c>poetry-node get</c> keeps Akka's 10 ms: it never idles, and its deadlines are the user's.
/// </summary>
internal static class SchedulerTick
{
    /// <summary>The fallback HOCON, below the deployment's own <c>akka</c> settings.</summary>
    public const string Hocon = "akka.scheduler.tick-duration = 50ms";
}
