#!/usr/bin/env bash
# Poem server benchmark: poetry-node fastpoetry vs poetry-node proxy (its cache warmed from a
# fastpoetry upstream) vs the Twisted poem server vs a raw .NET async socket server, all
# serving poetry/ecstasy.txt (2,975 bytes), measured in one run.
#
# For each server: start it on a free port, warm up, then run loadgen (poem mode) for a
# fixed time and read the server's CPU time (utime+stime from /proc/<pid>/stat, before and
# after) and resident memory (VmRSS from /proc/<pid>/status, peak, sampled 4x a second).
#
#   tests/benchmarks/run-poem-server-bench.sh [--pin] [--duration S] [--warmup S]
#       [--concurrency N] [--servers "ours proxy twisted raw"] [--rounds N] [--no-build]
#
#   --pin          servers on core 0 (taskset -c 0), the load generator on core 1
#   --duration S   measured seconds per server (default 10, or $BENCH_DURATION)
#   --warmup S     unmeasured seconds first (default 2, or $BENCH_WARMUP)
#   --concurrency  connections in flight (default 64, or $BENCH_CONCURRENCY)
#   --servers      which servers, in order (default "ours proxy twisted raw"); "proxy" is
#                  poetry-node proxy in front of a poetry-node fastpoetry upstream: the warm-up
#                  fills its cache, then the upstream is stopped and the proxy alone is
#                  measured (every poem of the window comes from the cache). The logging
#                  rows: "ours-log" (fastpoetry at --loglevel info with --logfile: a line per
#                  connection to a file), "ours-stdout" (info, the log on stdout redirected to
#                  a file, as under systemd or a pipe), "twisted-log" (the Twisted server
#                  logging each connection to a file through twistd's LogFile)
#   --baseline DLL also measure this poetry-node.dll (say, a build of main) as the row
#                  "baseline" (fastpoetry, quiet), and "baseline-log" / "baseline-stdout" if
#                  --servers names them (their "CPU/poem vs ours" is relative to "baseline",
#                  the quiet node of the same build, so both builds' access logs sit side by side)
#   --logging      shorthand for --servers "ours ours-log ours-stdout twisted twisted-log raw"
#   --rounds N     measure every server N times, round after round (default 1), a table per
#                  round and then the medians, with each round's ratio to the quiet node; even
#                  rounds measure the servers in reverse order
#   --jit-settle S after the warm-up, keep a .NET server under load a second at a time until
#                  its tiered JIT is idle, at most S seconds (default 15, 40 with --pin: see
#                  jit_settle_default in bench-lib.sh; 0: fixed warm-up only)
#   --no-build     use an existing poetry-node.dll instead of building src/PoetryNode
#
# A server that cannot be built or started is reported as "not available"; the others run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
SERVERS="ours proxy twisted raw"
NO_BUILD=0
BASELINE=""
ROUNDS=1
JIT_SETTLE=""
while [ $# -gt 0 ]; do
    case $1 in
        --pin) PIN=1 ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --jit-settle) JIT_SETTLE=$2; shift ;;
        --logging) SERVERS="ours ours-log ours-stdout twisted twisted-log raw" ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
set_pinning
JIT_SETTLE=${JIT_SETTLE:-$(jit_settle_default)}
if [ -n "$BASELINE" ] && [[ " $SERVERS " != *" baseline "* ]]; then SERVERS="${SERVERS/ours/ours baseline}"; fi

POEM=$REPO/poetry/ecstasy.txt
POEM_BYTES=$(stat -c %s "$POEM")

log "building loadgen"
build_loadgen
declare -A AVAILABLE=()
for s in $SERVERS; do
    case $s in
        ours|proxy|ours-log|ours-stdout)
            log "building poetry-node (Release)"
            if build_ours; then AVAILABLE[$s]=1; else log "$s: not available (src/PoetryNode does not build)"; fi ;;
        baseline|baseline-log|baseline-stdout)
            if [ -f "$BASELINE" ]; then AVAILABLE[$s]=1; else log "$s: not available (give --baseline PATH/poetry-node.dll)"; fi ;;
        twisted|twisted-log)
            if have_twisted; then AVAILABLE[$s]=1; else log "$s: not available ($PY cannot import twisted)"; fi ;;
        raw)
            log "building RawPoemServer (Release)"
            if build_raw; then AVAILABLE[raw]=1; else log "raw: not available (RawPoemServer does not build)"; fi ;;
        *) log "unknown server: $s (ours, ours-log, ours-stdout, proxy, baseline, baseline-log, baseline-stdout, twisted, twisted-log, raw)"; exit 2 ;;
    esac
done
machine_note
log "poem: $POEM ($POEM_BYTES bytes); warmup ${WARMUP}s, measure ${DURATION}s, concurrency $CONCURRENCY"

declare -A RATE=() CPU10K=() P50=() P99=() RSS=() ERRS=() CPUX=() LINES=() WARM_DONE=() DONE=() JITW=()

# logged_lines NAME: for a logging row, how many "sending N bytes of poetry" lines its log holds
# after a clean stop, to compare with "connections" (the warm-up's, the measured run's and the
# readiness probe's: the log must have exactly one line each); "-" for
# a quiet server.
logged_lines() {
    local file
    case $1 in
        ours-log|twisted-log|baseline-log) file=("$WORK/$1"-access*.log*) ;;
        ours-stdout|baseline-stdout) file=("$WORK/$1.log") ;;
        *) echo -; return ;;
    esac
    cat "${file[@]}" 2>/dev/null | grep -c 'bytes of poetry to' || true
}

# measure NAME: starts that server, loads it, records its row, stops it.
measure() {
    local name=$1 port cmd upstream_pid=""
    port=$(free_port)
    case $name in
        ours) cmd=(dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel "${OURS_LOGLEVEL:-warning}") ;;
        proxy)
            local upstream_port
            upstream_port=$(free_port)
            log "proxy: starting its fastpoetry upstream on port $upstream_port"
            start_server proxy-upstream "$upstream_port" dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$upstream_port" --poem "$POEM" \
                --iface 127.0.0.1 --loglevel "${OURS_LOGLEVEL:-warning}" \
                || { AVAILABLE[$name]=""; log "proxy: not available (its upstream did not start)"; return 0; }
            upstream_pid=$SERVER_PID
            cmd=(dotnet "$OURS_DLL" --pidfile= proxy --port "$port" --upstream "127.0.0.1:$upstream_port" --iface 127.0.0.1 --loglevel "${OURS_LOGLEVEL:-warning}") ;;
        ours-log) cmd=(dotnet "$OURS_DLL" --pidfile= --logfile "$WORK/$name-access.log" --logfile-size 1000m fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        baseline) cmd=(dotnet "$BASELINE" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel warning) ;;
        baseline-log) cmd=(dotnet "$BASELINE" --pidfile= --logfile "$WORK/$name-access.log" --logfile-size 1000m fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        ours-stdout) cmd=(dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        baseline-stdout) cmd=(dotnet "$BASELINE" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        twisted) cmd=("$PY" "$REPO/tests/twisted/poem_server.py" --port "$port" --poem "$POEM" --backlog 512) ;;
        twisted-log) cmd=("$PY" "$REPO/tests/twisted/poem_server.py" --port "$port" --poem "$POEM" --backlog 512 --logfile "$WORK/$name-access.log") ;;
        raw) cmd=(dotnet "$RAW_DLL" --port "$port" --poem "$POEM" --backlog 512) ;;
    esac
    rm -f "$WORK/$name"-access*.log*   # a log of this round only
    log "$name: starting on port $port"
    if ! start_server "$name" "$port" "${cmd[@]}"; then
        AVAILABLE[$name]=""; log "$name: not available (did not start)"
        [ -z "$upstream_pid" ] || stop_server "$upstream_pid"
        return 0
    fi
    local pid=$SERVER_PID target=127.0.0.1:$port
    log "$name: warming up"
    local warm
    warm=$(run_loadgen --target "$target" --duration "$WARMUP" --concurrency "$CONCURRENCY" \
        --expect-bytes "$POEM_BYTES")
    WARM_DONE[$name]=$(field "$warm" completed)
    case $name in
        twisted*) ;;
        *) [ "$JIT_SETTLE" -gt 0 ] && WARM_DONE[$name]=$(( WARM_DONE[$name] + $(settle_jit "$pid" "$JIT_SETTLE" \
            --target "$target" --concurrency "$CONCURRENCY" --expect-bytes "$POEM_BYTES") )) ;;
    esac
    if [ -n "$upstream_pid" ]; then
        # The cache is warm: its upstream goes before the measured window. The row then runs with
        # the same processes as fastpoetry's (an idle .NET node beside it wakes ~850 times a second (measured: perf stat -e context-switches)
        # on the same two cores, or on the proxy's own core with --pin), and any connection the
        # proxy still sent upstream would now fail, so errors=0 shows the window was the cache alone.
        log "proxy: cache warm; stopping its upstream before measuring"
        stop_server "$upstream_pid"
        upstream_pid=""
    fi
    log "$name: measuring"
    local before after line
    before=$(cpu_ticks "$pid")
    local jit_before; jit_before=$(jit_ticks "$pid")
    start_rss_sampler "$pid" "$WORK/$name.rss"
    line=$(run_loadgen --target "$target" --duration "$DURATION" --concurrency "$CONCURRENCY" \
        --expect-bytes "$POEM_BYTES")
    after=$(cpu_ticks "$pid")
    # CPU the tiered JIT still took inside the measured window (0 once the warm-up did its job).
    JITW[$name]=$(awk 'NR == FNR { b[$1] = $2; next } { d += $2 - ($1 in b ? b[$1] : 0) } END { printf "%.2f", d / '"$CLK_TCK"' }' \
        <(printf '%s\n' "$jit_before") <(jit_ticks "$pid"))
    stop_rss_sampler
    stop_server "$pid"
    [ -z "$upstream_pid" ] || stop_server "$upstream_pid"
    log "$name: $line"

    record_load "$name" "$line" $((after - before))
    DONE[$name]=$(field "$line" completed)
    LINES[$name]=$(logged_lines "$name")
    # The sampler may not have run at all on a very busy machine: no figure then.
    local peak; peak=$(cat "$WORK/$name.rss" 2>/dev/null || true)
    RSS[$name]=$(calc "${peak:-0} / 1024" 1)
}

# quiet_cpu NAME: the CPU per poem NAME's access log is measured against: the quiet node of the
# same build ("baseline" for the baseline's rows, "ours" for every other).
quiet_cpu() { case $1 in baseline-*) echo "${CPUX[baseline]:-}" ;; *) echo "${CPUX[ours]:-}" ;; esac; }

# table ROUND: the figures of the round just measured.
table() {
twisted_cpu=${CPUX[twisted]:-}
raw_rate=${RATE[raw]:-}
ours_rate=${RATE[ours]:-}
ours_cpu=${CPUX[ours]:-}
echo
echo "Poem server benchmark, round $1 of $ROUNDS (load average before it: $2): ${POEM_BYTES}-byte poem, ${DURATION}s, concurrency $CONCURRENCY, pin=$PIN"
fmt='%-15s | %9s | %14s | %7s | %7s | %7s | %6s | %15s | %14s | %15s | %14s | %11s | %11s | %9s\n'
printf "$fmt" server poems/s "CPU s/10k poem" "p50 ms" "p99 ms" "RSS MB" errors "CPU/poem vs Tw" "poems/s vs raw" "poems/s vs ours" "CPU/poem vs ours" connections "log lines" "JIT CPU s"
for s in $SERVERS; do
    if [ -z "${RATE[$s]:-}" ]; then
        printf '%-15s | not available\n' "$s"
        continue
    fi
    printf "$fmt" "$s" "${RATE[$s]}" "${CPU10K[$s]}" "${P50[$s]}" "${P99[$s]}" "${RSS[$s]}" "${ERRS[$s]}" \
        "$(ratio "${CPUX[$s]}" "$twisted_cpu")" "$(ratio "${RATE[$s]}" "$raw_rate")" "$(ratio "${RATE[$s]}" "$ours_rate")" \
        "$(ratio "${CPUX[$s]}" "$(quiet_cpu "$s")")" "$(( ${WARM_DONE[$s]:-0} + ${DONE[$s]:-0} + 1 ))" "${LINES[$s]:--}" "${JITW[$s]:--}"
    # Kept for the summary: this round's figures, by server.
    if [ -n "${RATE[$s]:-}" ]; then
        ROUND_RATE[$s]+=" ${RATE[$s]}"; ROUND_CPU10K[$s]+=" ${CPU10K[$s]}"; ROUND_P99[$s]+=" ${P99[$s]}"
        ROUND_VS_OURS[$s]+=" $(ratio "${CPUX[$s]}" "$(quiet_cpu "$s")" | tr -d x)"
        ROUND_VS_RAW[$s]+=" $(ratio "${RATE[$s]}" "$raw_rate" | tr -d x)"
        ROUND_RATE_VS_OURS[$s]+=" $(ratio "${RATE[$s]}" "$ours_rate" | tr -d x)"
        [ "${LINES[$s]:--}" = - ] || ROUND_LOST[$s]+=" $(( ${WARM_DONE[$s]:-0} + ${DONE[$s]:-0} + 1 - ${LINES[$s]} ))"
    fi
done
}

declare -A ROUND_RATE=() ROUND_CPU10K=() ROUND_P99=() ROUND_VS_OURS=() ROUND_VS_RAW=() ROUND_LOST=() ROUND_RATE_VS_OURS=()
LOADS=()
for round in $(seq "$ROUNDS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    LOADS+=("$load")
    [ "$ROUNDS" = 1 ] || log "round $round of $ROUNDS (load average $load)"
    RATE=() CPU10K=() P50=() P99=() RSS=() ERRS=() CPUX=() LINES=() WARM_DONE=() DONE=() JITW=()
    # Odd rounds measure in the order given, even rounds in reverse, so that a box that gets
    # busier or quieter during a round (another build starting) favours no server in the medians.
    order=$SERVERS
    [ $((round % 2)) = 1 ] || order=$(printf '%s\n' $SERVERS | tac | tr '\n' ' ')
    for s in $order; do
        [ -n "${AVAILABLE[$s]:-}" ] && measure "$s"
    done
    table "$round" "$load"
done

if [ "$ROUNDS" -gt 1 ]; then
    echo
    echo "Medians of $ROUNDS rounds (load averages at each round's start: ${LOADS[*]}); per-round values in brackets"
    sfmt='%-15s | %9s | %14s | %8s | %-28s | %-22s | %-22s | %s\n'
    printf "$sfmt" server poems/s "CPU s/10k poem" "p99 ms" "CPU/poem vs ours (rounds)" "poems/s vs raw" "poems/s vs ours" "lines lost at stop"
    for s in $SERVERS; do
        [ -n "${ROUND_RATE[$s]:-}" ] || { printf '%-15s | not available\n' "$s"; continue; }
        # shellcheck disable=SC2086
        printf "$sfmt" "$s" "$(calc "$(median ${ROUND_RATE[$s]})" 0)" "$(calc "$(median ${ROUND_CPU10K[$s]})" 3)" "$(calc "$(median ${ROUND_P99[$s]})" 2)" \
            "$(calc "$(median ${ROUND_VS_OURS[$s]})" 2)x [${ROUND_VS_OURS[$s]# }]" \
            "$( [[ "${ROUND_VS_RAW[$s]}" != *n/a* ]] && echo "$(calc "$(median ${ROUND_VS_RAW[$s]})" 2)x [${ROUND_VS_RAW[$s]# }]" || echo n/a)" \
            "$( [[ "${ROUND_RATE_VS_OURS[$s]}" != *n/a* ]] && echo "$(calc "$(median ${ROUND_RATE_VS_OURS[$s]})" 2)x [${ROUND_RATE_VS_OURS[$s]# }]" || echo n/a)" \
            "${ROUND_LOST[$s]:- -}"
    done
fi
