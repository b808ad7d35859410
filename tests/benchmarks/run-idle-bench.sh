#!/usr/bin/env bash
# Idle benchmark: what a poem server costs while it waits, side by side in one run: poetry-node
# fastpoetry (and, with --baseline, another build of it, say main's), the Twisted poem server and
# the raw .NET server. Each round starts every server at once, fetches one poem from each, lets
# them settle, then watches them all through the same window:
#
#   tests/benchmarks/run-idle-bench.sh [--rounds N] [--settle S] [--window S]
#       [--servers "ours twisted raw"] [--baseline PATH/poetry-node.dll] [--no-build]
#
#   --rounds N      rounds, each with fresh processes (default 3)
#   --settle S      seconds from the poem to the window (default 7)
#   --window S      seconds watched (default 20)
#   --baseline DLL  also measure this poetry-node.dll, as the row "baseline"
#
# Columns (medians over the rounds): RSS at the window's start (MB), CPU used in the window as a
# share of one core, wake-ups a second (voluntary context switches of all the process's threads:
# each is a thread that slept and was woken), threads, and the RSS ratio to the baseline.
# Nothing is loaded, so the servers sharing the machine for the window hardly disturb each other.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

ROUNDS=3
SETTLE=7
WINDOW=20
SERVERS="ours twisted raw"
BASELINE=""
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift ;;
        --settle) SETTLE=$2; shift ;;
        --window) WINDOW=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        *) bench_option "$1" ;;
    esac
    shift
done
[ -z "$BASELINE" ] || SERVERS="ours baseline ${SERVERS/ours/}"
POEM=$REPO/poetry/ecstasy.txt

declare -A AVAILABLE=()
for s in $SERVERS; do
    case $s in
        ours) log "building poetry-node (Release)"; build_ours && AVAILABLE[ours]=1 || log "ours: not available" ;;
        baseline) [ -f "$BASELINE" ] && AVAILABLE[baseline]=1 || log "baseline: $BASELINE not found" ;;
        twisted) have_twisted && AVAILABLE[twisted]=1 || log "twisted: not available" ;;
        raw) log "building RawPoemServer (Release)"; build_raw && AVAILABLE[raw]=1 || log "raw: not available" ;;
        *) log "unknown server: $s"; exit 2 ;;
    esac
done
machine_note

# wakeups PID: voluntary context switches summed over the process's threads.
wakeups() {
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'
}

# fetch_poem PORT: one whole poem, so each server has served before it idles.
fetch_poem() {
    "$PY" - "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
while s.recv(65536):
    pass
PY
}

declare -A PIDS=() RSS=() CPU=() WAKE=() THREADS=()
for round in $(seq "$ROUNDS"); do
    log "round $round of $ROUNDS"
    for name in $SERVERS; do
        [ -n "${AVAILABLE[$name]:-}" ] || continue
        port=$(free_port)
        case $name in
            ours) cmd=(dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1) ;;
            baseline) cmd=(dotnet "$BASELINE" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1) ;;
            twisted) cmd=("$PY" "$REPO/tests/twisted/poem_server.py" --port "$port" --poem "$POEM") ;;
            raw) cmd=(dotnet "$RAW_DLL" --port "$port" --poem "$POEM") ;;
        esac
        start_server "$name" "$port" "${cmd[@]}" || continue
        PIDS[$name]=$SERVER_PID
        fetch_poem "$port"
    done
    sleep "$SETTLE"
    declare -A cpu0=() wake0=()
    for name in "${!PIDS[@]}"; do
        RSS[$name]+="$(calc "$(rss_kb "${PIDS[$name]}") / 1024" 1) "
        cpu0[$name]=$(cpu_ticks "${PIDS[$name]}")
        wake0[$name]=$(wakeups "${PIDS[$name]}")
    done
    sleep "$WINDOW"
    for name in "${!PIDS[@]}"; do
        pid=${PIDS[$name]}
        CPU[$name]+="$(calc "($(cpu_ticks "$pid") - ${cpu0[$name]}) * 100 / $CLK_TCK / $WINDOW" 2) "
        # A thread that ended in the window takes its count with it: never below 0.
        woken=$(( $(wakeups "$pid") - ${wake0[$name]} ))
        WAKE[$name]+="$(calc "($woken > 0 ? $woken : 0) / $WINDOW" 0) "
        THREADS[$name]+="$(ls "/proc/$pid/task" | wc -l) "
        stop_server "$pid"
    done
    PIDS=()
done

echo
echo "Idle benchmark: $ROUNDS rounds, ${SETTLE}s after one poem, a ${WINDOW}s window, load average $(cut -d' ' -f1-3 /proc/loadavg)"
fmt="%-9s | %8s | %-22s | %10s | %-18s | %10s | %-14s | %7s | %9s\n"
printf "$fmt" server "RSS MB" "(each round)" "CPU % core" "(each round)" "wake-ups/s" "(each round)" threads "RSS vs base"
base_rss=""
[ -z "${RSS[baseline]:-}" ] || base_rss=$(median ${RSS[baseline]})
for name in $SERVERS; do
    [ -n "${RSS[$name]:-}" ] || continue
    rss=$(median ${RSS[$name]})
    vs="-"
    [ -z "$base_rss" ] || vs="$(calc "$rss / $base_rss" 3)x"
    printf "$fmt" "$name" "$rss" "${RSS[$name]% }" "$(median ${CPU[$name]})" "${CPU[$name]% }" "$(median ${WAKE[$name]})" "${WAKE[$name]% }" "$(median ${THREADS[$name]})" "$vs"
done
