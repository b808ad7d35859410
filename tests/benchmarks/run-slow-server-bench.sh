#!/usr/bin/env bash
# Slow poem server benchmark: 10,000 clients of a "1-second poem" at once.
#
# Starts `poetry-node slowpoetry --num-bytes 100000 --delay 1` serving poetry/ecstasy.txt:
# the whole poem goes out in one chunk at once and the server closes one delay (1 s) later.
# Then loadgen opens all --clients connections in one burst (poem mode, --concurrency and
# --count both N, so every connection is started in the first pass and none is reused), and
# each reads the poem to the server's close. Latency is per connection, from just before its
# connect() to the read that sees the close; the ideal is the delay itself.
#
#   tests/benchmarks/run-slow-server-bench.sh [--clients N] [--delay S] [--rounds N]
#       [--warmup N] [--pin] [--no-build]
#
#   --clients N    connections in each measured burst (default 10000, or $BENCH_CLIENTS)
#   --delay S      the slow server's delay (default 1)
#   --warmup N     connections in an unmeasured first burst, so that JIT and tiered
#                  compilation are done (default 1000; 0 measures a cold node)
#   --rounds N     measured bursts, one after the other on the same node (default 3)
#   --pin          server on core 0 (taskset -c 0), the load generator on core 1
#   --no-build     use an existing poetry-node.dll instead of building src/PoetryNode
#
# Reports per burst: completed, errors, max and p99 latency (target: within delay + 0.5 s),
# the time from the burst's start to the last close, and the node's peak RSS over the run
# (target < 300 MB), and how many times the kernel's accept queue overflowed during the
# burst (TcpExt ListenOverflows, machine-wide: a dropped SYN costs its client a 1 s
# retransmission). Needs one file descriptor per client: it raises `ulimit -n`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

CLIENTS=${BENCH_CLIENTS:-10000}
DELAY=1
ROUNDS=3
WARMUP_CLIENTS=1000
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --clients) CLIENTS=$2; shift ;;
        --delay) DELAY=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --warmup) WARMUP_CLIENTS=$2; shift ;;
        *) bench_option "$1" ;;
    esac
    shift
done
# Both the node and loadgen need a descriptor per connection, and a few hundred more.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CLIENTS + 256)) ]; then
    log "ulimit -n is $(ulimit -n): too few descriptors for $CLIENTS clients"
    exit 2
fi

bench_setup
TIMEOUT=$(calc "$DELAY + 10" 0)
log "ulimit -n $(ulimit -n); somaxconn $(cat /proc/sys/net/core/somaxconn); poem $POEM_BYTES bytes in one chunk, delay ${DELAY}s"

port=$(free_port)
log "ours: starting slowpoetry on port $port"
start_server ours "$port" dotnet "$OURS_DLL" --pidfile= slowpoetry --port "$port" --poem "$POEM" --num-bytes 100000 \
    --delay "$DELAY" --iface 127.0.0.1 --loglevel "${OURS_LOGLEVEL:-warning}" \
    || { log "ours: did not start"; exit 1; }
pid=$SERVER_PID
rss_start=$(calc "$(rss_kb "$pid") / 1024" 1)
start_rss_sampler "$pid" "$WORK/ours.rss"

# listen_overflows: the kernel's count of connections dropped because an accept queue was full.
listen_overflows() {
    awk '/^TcpExt:/ { if (!h) { split($0, name); h = 1 } else { for (i = 2; i <= NF; i++) if (name[i] == "ListenOverflows") print $i } }' /proc/net/netstat
}

# settle: waits (up to 5 s) until the node holds no connection on the port any more.
settle() {
    local i
    for i in $(seq 50); do
        [ "$(ss -Htan state established "( sport = :$port )" 2>/dev/null | wc -l)" -eq 0 ] && return 0
        sleep 0.1
    done
}

if [ "$WARMUP_CLIENTS" -gt 0 ]; then
    log "warm-up: $WARMUP_CLIENTS connections at once"
    log "warm-up: $(run_loadgen --mode poem --target "127.0.0.1:$port" --concurrency "$WARMUP_CLIENTS" \
        --count "$WARMUP_CLIENTS" --expect-bytes "$POEM_BYTES" --timeout "$TIMEOUT")"
    settle
fi

LINES=()
for round in $(seq "$ROUNDS"); do
    log "burst $round: $CLIENTS connections at once"
    overflows=$(listen_overflows)
    before=$(cpu_ticks "$pid")
    line=$(run_loadgen --mode poem --target "127.0.0.1:$port" --concurrency "$CLIENTS" --count "$CLIENTS" \
        --expect-bytes "$POEM_BYTES" --timeout "$TIMEOUT")
    after=$(cpu_ticks "$pid")
    overflows=$(( $(listen_overflows) - overflows ))
    log "burst $round: $line"
    LINES+=("$line|$((after - before))|$overflows")
    settle
done
rss_end=$(calc "$(rss_kb "$pid") / 1024" 1)
stop_rss_sampler
stop_server "$pid"
peak=$(calc "$(cat "$WORK/ours.rss" 2>/dev/null || echo 0) / 1024" 1)

echo
echo "Slow server benchmark: $CLIENTS clients at once, ${POEM_BYTES}-byte poem in one chunk, close ${DELAY}s later, pin=$PIN"
fmt='%-6s | %9s | %6s | %9s | %9s | %9s | %14s | %12s | %15s\n'
printf "$fmt" burst completed errors "p50 ms" "p99 ms" "max ms" "burst total ms" "server CPU s" "listen overflows"
round=0
for entry in "${LINES[@]}"; do
    round=$((round + 1))
    IFS='|' read -r line ticks overflows <<<"$entry"
    printf "$fmt" "$round" "$(field "$line" completed)" "$(field "$line" errors)" \
        "$(calc "$(field "$line" p50_us) / 1000" 1)" "$(calc "$(field "$line" p99_us) / 1000" 1)" \
        "$(calc "$(field "$line" max_us) / 1000" 1)" "$(calc "$(field "$line" seconds) * 1000" 0)" \
        "$(calc "$ticks / $CLK_TCK" 2)" "$overflows"
done
echo "node RSS: start $rss_start MB, end $rss_end MB, peak $peak MB (target < 300 MB)"
echo "target: every connection done within $(calc "$DELAY + 0.5" 1) s of its connect (max ms <= $(calc "($DELAY + 0.5) * 1000" 0)), 0 errors"
