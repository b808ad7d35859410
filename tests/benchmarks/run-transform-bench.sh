#!/usr/bin/env bash
# Transform server benchmark: poetry-node transform vs the Twisted transform server and a raw
# .NET one (RawPoemServer --transform: read the netstring, lower-case it, reply, close).
#
# Every connection sends one netstring, "<len>:cummingsify.<poetry/ecstasy.txt>," and reads
# the reply netstring (the poem lowercased) until the server closes. A reply of any other
# size is an error. For each server: start it on a free port, warm up, then run loadgen
# (netstring mode) for a soak of fixed length, reading the server's CPU time (utime+stime
# from /proc/<pid>/stat) before and after and its VmRSS at the start and end of the soak
# (and the peak, sampled 4x a second): memory that grows from start to end is a leak.
#
#   tests/benchmarks/run-transform-bench.sh [--pin] [--soak] [--duration S] [--warmup S]
#       [--concurrency N] [--servers "ours twisted raw"] [--rounds N] [--no-build]
#
#   --pin          servers on core 0 (taskset -c 0), the load generator on core 1
#   --duration S   soak seconds per server (default 10, or $BENCH_DURATION)
#   --soak         a 60-second soak (same as --duration 60)
#   --warmup S     unmeasured seconds first (default 2, or $BENCH_WARMUP)
#   --concurrency  connections in flight (default 64, or $BENCH_CONCURRENCY)
#   --servers      which servers, in order (default "ours twisted raw")
#   --rounds N     measure every server N times, round after round (default 1); then medians
#   --jit-settle S keep a .NET server under load after the warm-up until its tiered JIT is idle,
#                  at most S seconds (default 15, 40 with --pin: see jit_settle_default in
#                  bench-lib.sh; 0: the fixed warm-up only)
#   --no-build     use an existing poetry-node.dll instead of building src/PoetryNode
#
# A server that cannot be built or started is reported as "not available"; the others run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
SERVERS="ours twisted raw"
NO_BUILD=0
ROUNDS=1
JIT_SETTLE=""
while [ $# -gt 0 ]; do
    case $1 in
        --pin) PIN=1 ;;
        --soak) DURATION=60 ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --jit-settle) JIT_SETTLE=$2; shift ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
set_pinning
JIT_SETTLE=${JIT_SETTLE:-$(jit_settle_default)}

POEM=$REPO/poetry/ecstasy.txt
REQUEST=$WORK/request.netstring
# The request netstring, and the size of the reply a correct server sends back.
REPLY_BYTES=$("$PY" - "$POEM" "$REQUEST" <<'EOF'
import sys
poem = open(sys.argv[1], 'rb').read()
def netstring(b):
    return str(len(b)).encode() + b':' + b + b','
open(sys.argv[2], 'wb').write(netstring(b'cummingsify.' + poem))
print(len(netstring(poem.decode('utf-8').lower().encode('utf-8'))))
EOF
)

log "building loadgen"
build_loadgen
declare -A AVAILABLE=()
for s in $SERVERS; do
    case $s in
        ours)
            log "building poetry-node (Release)"
            if build_ours; then AVAILABLE[ours]=1; else log "ours: not available (src/PoetryNode does not build)"; fi ;;
        twisted)
            if have_twisted; then AVAILABLE[twisted]=1; else log "twisted: not available ($PY cannot import twisted)"; fi ;;
        raw)
            log "building RawPoemServer (Release)"
            if build_raw; then AVAILABLE[raw]=1; else log "raw: not available (RawPoemServer does not build)"; fi ;;
        *) log "unknown server: $s (ours, twisted, raw)"; exit 2 ;;
    esac
done
machine_note
log "request: $(stat -c %s "$REQUEST") bytes, reply $REPLY_BYTES bytes; warmup ${WARMUP}s, soak ${DURATION}s, concurrency $CONCURRENCY"

declare -A RATE=() CPU10K=() CPUX=() P50=() P99=() RSS0=() RSS1=() PEAK=() ERRS=()

measure() {
    local name=$1 port cmd
    port=$(free_port)
    case $name in
        ours) cmd=(dotnet "$OURS_DLL" --pidfile= transform --port "$port" --iface 127.0.0.1 --loglevel "${OURS_LOGLEVEL:-warning}") ;;
        twisted) cmd=("$PY" "$REPO/tests/twisted/transform_server.py" --port "$port" --backlog 512) ;;
        raw) cmd=(dotnet "$RAW_DLL" --transform --port "$port" --backlog 512) ;;
    esac
    log "$name: starting on port $port"
    start_server "$name" "$port" "${cmd[@]}" || { AVAILABLE[$name]=""; log "$name: not available (did not start)"; return 0; }
    local pid=$SERVER_PID target=127.0.0.1:$port
    log "$name: warming up"
    run_loadgen --mode netstring --request "$REQUEST" --target "$target" --duration "$WARMUP" \
        --concurrency "$CONCURRENCY" --expect-bytes "$REPLY_BYTES" >/dev/null
    if [ "$name" != twisted ] && [ "$JIT_SETTLE" -gt 0 ]; then
        settle_jit "$pid" "$JIT_SETTLE" --mode netstring --request "$REQUEST" --target "$target" \
            --concurrency "$CONCURRENCY" --expect-bytes "$REPLY_BYTES" >/dev/null
    fi
    log "$name: soaking"
    local before after line
    RSS0[$name]=$(calc "$(rss_kb "$pid") / 1024" 1)
    before=$(cpu_ticks "$pid")
    start_rss_sampler "$pid" "$WORK/$name.rss"
    line=$(run_loadgen --mode netstring --request "$REQUEST" --target "$target" --duration "$DURATION" \
        --concurrency "$CONCURRENCY" --expect-bytes "$REPLY_BYTES")
    after=$(cpu_ticks "$pid")
    RSS1[$name]=$(calc "$(rss_kb "$pid") / 1024" 1)
    stop_rss_sampler
    stop_server "$pid"
    log "$name: $line"

    record_load "$name" "$line" $((after - before))
    PEAK[$name]=$(calc "$(cat "$WORK/$name.rss" 2>/dev/null || echo 0) / 1024" 1)
}

table() {
twisted_cpu=${CPUX[twisted]:-}
raw_rate=${RATE[raw]:-}
raw_p99=${P99[raw]:-}
echo
echo "Transform benchmark, round $1 of $ROUNDS (load average before it: $2): cummingsify of a $(stat -c %s "$POEM")-byte poem, ${DURATION}s soak, concurrency $CONCURRENCY, pin=$PIN"
fmt='%-8s | %12s | %14s | %7s | %7s | %12s | %10s | %11s | %6s | %13s | %10s | %10s\n'
printf "$fmt" server transforms/s "CPU s/10k req" "p50 ms" "p99 ms" "RSS start MB" "RSS end MB" "RSS peak MB" errors "CPU/req vs Tw" "rate vs raw" "p99 vs raw"
for s in $SERVERS; do
    if [ -z "${RATE[$s]:-}" ]; then
        printf '%-8s | not available\n' "$s"
        continue
    fi
    printf "$fmt" "$s" "${RATE[$s]}" "${CPU10K[$s]}" "${P50[$s]}" "${P99[$s]}" "${RSS0[$s]}" "${RSS1[$s]}" \
        "${PEAK[$s]}" "${ERRS[$s]}" "$(ratio "${CPUX[$s]}" "$twisted_cpu")" "$(ratio "${RATE[$s]}" "$raw_rate")" "$(ratio "${P99[$s]}" "$raw_p99")"
    ROUND_RATE[$s]+=" $(ratio "${RATE[$s]}" "$raw_rate" | tr -d x)"
    ROUND_P99[$s]+=" $(ratio "${P99[$s]}" "$raw_p99" | tr -d x)"
    ROUND_CPU[$s]+=" ${CPU10K[$s]}"
done
}

declare -A ROUND_RATE=() ROUND_P99=() ROUND_CPU=()
LOADS=()
for round in $(seq "$ROUNDS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    LOADS+=("$load")
    RATE=() CPU10K=() CPUX=() P50=() P99=() RSS0=() RSS1=() PEAK=() ERRS=()
    for s in $SERVERS; do
        [ -n "${AVAILABLE[$s]:-}" ] && measure "$s"
    done
    table "$round" "$load"
done
if [ "$ROUNDS" -gt 1 ] && [[ " $SERVERS " == *" raw "* ]]; then
    echo
    echo "Medians of $ROUNDS rounds (load averages at each round's start: ${LOADS[*]}); per-round values in brackets"
    printf '%-8s | %-30s | %-30s | %s\n' server "transforms/s vs raw" "p99 vs raw" "CPU s/10k req"
    for s in $SERVERS; do
        [ -n "${ROUND_RATE[$s]:-}" ] && [[ "${ROUND_RATE[$s]}" != *n/a* ]] || continue
        # shellcheck disable=SC2086
        printf '%-8s | %-30s | %-30s | %s\n' "$s" "$(calc "$(median ${ROUND_RATE[$s]})" 2)x [${ROUND_RATE[$s]# }]" \
            "$(calc "$(median ${ROUND_P99[$s]})" 2)x [${ROUND_P99[$s]# }]" "$(calc "$(median ${ROUND_CPU[$s]})" 3) [${ROUND_CPU[$s]# }]"
    done
fi
