#!/usr/bin/env bash
# Transform server benchmark: poetry-node transform vs the Twisted transform server.
#
# Every connection sends one netstring, "<len>:cummingsify.<poetry/ecstasy.txt>," and reads
# the reply netstring (the poem lowercased) until the server closes. A reply of any other
# size is an error. For each server: start it on a free port, warm up, then run loadgen
# (netstring mode) for a soak of fixed length, reading the server's CPU time (utime+stime
# from /proc/<pid>/stat) before and after and its VmRSS at the start and end of the soak
# (and the peak, sampled 4x a second): memory that grows from start to end is a leak.
#
#   tests/benchmarks/run-transform-bench.sh [--pin] [--soak] [--duration S] [--warmup S]
#       [--concurrency N] [--servers "ours twisted"] [--no-build]
#
#   --pin          servers on core 0 (taskset -c 0), the load generator on core 1
#   --duration S   soak seconds per server (default 10, or $BENCH_DURATION)
#   --soak         a 60-second soak (same as --duration 60)
#   --warmup S     unmeasured seconds first (default 2, or $BENCH_WARMUP)
#   --concurrency  connections in flight (default 64, or $BENCH_CONCURRENCY)
#   --servers      which servers, in order (default "ours twisted")
#   --no-build     use an existing poetry-node.dll instead of building src/PoetryNode
#
# A server that cannot be built or started is reported as "not available"; the others run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
SERVERS="ours twisted"
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --pin) PIN=1 ;;
        --soak) DURATION=60 ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
set_pinning

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
        *) log "unknown server: $s (ours, twisted)"; exit 2 ;;
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
    esac
    log "$name: starting on port $port"
    start_server "$name" "$port" "${cmd[@]}" || { AVAILABLE[$name]=""; log "$name: not available (did not start)"; return 0; }
    local pid=$SERVER_PID target=127.0.0.1:$port
    log "$name: warming up"
    run_loadgen --mode netstring --request "$REQUEST" --target "$target" --duration "$WARMUP" \
        --concurrency "$CONCURRENCY" --expect-bytes "$REPLY_BYTES" >/dev/null
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

for s in $SERVERS; do
    [ -n "${AVAILABLE[$s]:-}" ] && measure "$s"
done


twisted_cpu=${CPUX[twisted]:-}
echo
echo "Transform benchmark: cummingsify of a $(stat -c %s "$POEM")-byte poem, ${DURATION}s soak, concurrency $CONCURRENCY, pin=$PIN"
fmt='%-8s | %12s | %14s | %7s | %7s | %12s | %10s | %11s | %6s | %15s\n'
printf "$fmt" server transforms/s "CPU s/10k req" "p50 ms" "p99 ms" "RSS start MB" "RSS end MB" "RSS peak MB" errors "CPU/req vs Tw"
for s in $SERVERS; do
    if [ -z "${RATE[$s]:-}" ]; then
        printf '%-8s | not available\n' "$s"
        continue
    fi
    printf "$fmt" "$s" "${RATE[$s]}" "${CPU10K[$s]}" "${P50[$s]}" "${P99[$s]}" "${RSS0[$s]}" "${RSS1[$s]}" \
        "${PEAK[$s]}" "${ERRS[$s]}" "$(ratio "${CPUX[$s]}" "$twisted_cpu")"
done
