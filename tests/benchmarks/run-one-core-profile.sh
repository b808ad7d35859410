#!/usr/bin/env bash
# Where a node's time goes on one core: poetry-node fastpoetry pinned to core 0, the load
# generator on core 1 (as run-poem-server-bench.sh --pin), and per thread of the node: its CPU
# time and its context switches, idle (nothing connects) and under the c=64 load; beside the raw
# .NET server (and, with --baseline, another build of poetry-node) in the same run.
#
#   tests/benchmarks/run-one-core-profile.sh [--idle S] [--duration S] [--loglevel L]
#       [--baseline DLL] [--no-build]
#
# Per thread (threads of the same name summed, e.g. the thread pool's workers): CPU seconds
# (utime + stime from /proc/PID/task/TID/stat), its share of the process, and voluntary and
# involuntary context switches per second (from .../status): a thread that wakes on a timer
# shows as voluntary switches while idle; involuntary ones under load are the core being
# taken from it. With dotnet-counters on PATH, GC counts and pause time under load too. With
# perf on PATH (and the sched tracepoints readable), the scheduler's view of 3 s of the load: per
# thread, how many times it ran, for how long at a stretch (p99, longest: a thread that works in
# bursts holds the one core, and the accept thread waits) and how long it waited for the core once
# woken. And the tiering timeline: how many seconds of load pass before the tiered JIT first
# compiles and before it is quiet again (on one CPU the runtime multiplies the tiering delay by 10).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
IDLE=10
DURATION=10
LEVEL=warning
BASELINE=""
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --idle) IDLE=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --loglevel) LEVEL=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
PIN=1; set_pinning
POEM=$REPO/poetry/ecstasy.txt
POEM_BYTES=$(stat -c %s "$POEM")
build_loadgen; build_ours || { log "poetry-node does not build"; exit 1; }; build_raw || true
machine_note

# snapshot PID FILE: one line per thread: name<TAB>cpu ticks<TAB>voluntary<TAB>involuntary.
snapshot() {
    local pid=$1 task
    for task in /proc/"$pid"/task/*; do
        printf '%s\t%s\t%s\t%s\n' "$(cat "$task/comm" 2>/dev/null)" \
            "$(sed 's/^.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}')" \
            "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status" 2>/dev/null)" \
            "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$task/status" 2>/dev/null)"
    done >"$2"
}

# report TITLE BEFORE AFTER SECONDS: per thread name, the differences, busiest first.
report() {
    [ -z "$1" ] || echo "$1"
    printf '  %-18s %3s %8s %7s %12s %12s\n' thread n "CPU s" share "vol. sw/s" "invol. sw/s"
    awk -F'\t' -v secs="$4" -v tck="$CLK_TCK" '
        NR == FNR { b_cpu[$1] += $2; b_v[$1] += $3; b_n[$1] += $4; next }
        { a_cpu[$1] += $2; a_v[$1] += $3; a_n[$1] += $4; count[$1]++ }
        END {
            for (n in a_cpu) { cpu[n] = (a_cpu[n] - b_cpu[n]) / tck; tot += cpu[n] }
            for (n in a_cpu) {
                share = tot > 0 ? 100 * cpu[n] / tot : 0
                printf "%012.4f\t  %-18s %3d %8.2f %6.1f%% %12.0f %12.0f\n", cpu[n], n, count[n], cpu[n], share, (a_v[n] - b_v[n]) / secs, (a_n[n] - b_n[n]) / secs
            }
            printf "-1\t  %-18s %3s %8.2f\n", "total", "", tot
        }' "$2" "$3" | sort -t$'\t' -k1,1gr | cut -f2-
}

# start_on_free_port NAME CMD...: starts CMD with @PORT@ replaced by a free port; sets PORT and
# SERVER_PID, or logs and fails when the server does not start.
start_on_free_port() {
    local name=$1; shift
    PORT=$(free_port)
    local cmd=("$@")
    cmd=("${cmd[@]/@PORT@/$PORT}")
    start_server "$name" "$PORT" "${cmd[@]}" || { log "$name: did not start"; return 1; }
}

profile() {
    local name=$1; shift
    start_on_free_port "$name" "$@" || return 0
    local port=$PORT
    local pid=$SERVER_PID
    sleep 3
    snapshot "$pid" "$WORK/$name.idle0"; sleep "$IDLE"; snapshot "$pid" "$WORK/$name.idle1"
    echo
    echo "== $name: $(ls /proc/"$pid"/task | wc -l) threads; RSS $(calc "$(rss_kb "$pid") / 1024" 1) MB idle"
    report "idle, ${IDLE} s" "$WORK/$name.idle0" "$WORK/$name.idle1" "$IDLE"
    run_loadgen --target "127.0.0.1:$port" --duration 3 --concurrency 64 --expect-bytes "$POEM_BYTES" >/dev/null
    # Steady state: the tiered JIT done (on one core it starts only 15 s or so into the load).
    settle_jit "$pid" "$(jit_settle_default)" --target "127.0.0.1:$port" --concurrency 64 --expect-bytes "$POEM_BYTES" >/dev/null
    local counters=""
    if command -v dotnet-counters >/dev/null && [ "$name" != raw-twisted ]; then
        dotnet-counters collect -p "$pid" --counters System.Runtime --format csv -o "$WORK/$name.counters.csv" \
            --duration "00:00:$(printf '%02d' "$DURATION")" >/dev/null 2>&1 &
        counters=$!
    fi
    snapshot "$pid" "$WORK/$name.load0"
    local sched=""
    if command -v perf >/dev/null; then
        perf sched record -o "$WORK/$name.sched" -- sleep 3 >/dev/null 2>&1 &
        sched=$!
    fi
    local line; line=$(run_loadgen --target "127.0.0.1:$port" --duration "$DURATION" --concurrency 64 --expect-bytes "$POEM_BYTES")
    snapshot "$pid" "$WORK/$name.load1"
    [ -z "$sched" ] || wait "$sched" 2>/dev/null || true
    [ -z "$counters" ] || wait "$counters" 2>/dev/null || true
    stop_server "$pid"
    echo "under load, ${DURATION} s: $(field "$line" rate) poems/s, p50 $(calc "$(field "$line" p50_us) / 1000") ms, p99 $(calc "$(field "$line" p99_us) / 1000") ms, errors $(field "$line" errors)"
    report "" "$WORK/$name.load0" "$WORK/$name.load1" "$DURATION"
    if [ -s "$WORK/$name.counters.csv" ]; then
        awk -F, '/gc.collections/ && /gen0/ {g0 += $NF} /gc.collections/ && /gen1/ {g1 += $NF} /gc.collections/ && /gen2/ {g2 += $NF}
                 /gc.pause.time/ {p += $NF} END {printf "  GC under load: %d gen0, %d gen1, %d gen2 collections, %.1f ms paused in all\n", g0, g1, g2, p * 1000}' \
            "$WORK/$name.counters.csv"
    fi
    if [ -s "$WORK/$name.sched" ] && perf sched timehist -i "$WORK/$name.sched" >"$WORK/$name.timehist" 2>/dev/null; then
        echo "  scheduler, the first 3 s of the load (ms):"
        "$PY" - "$pid" "$WORK/$name.timehist" <<'PYEOF'
import collections, re, sys
pid, runs, waits = sys.argv[1], collections.defaultdict(list), collections.defaultdict(list)
# "time [cpu] name[tid/pid] wait-time sch-delay run-time"; a thread's name may hold spaces.
line_re = re.compile(r'^\s*[\d.]+\s+\[\d+\]\s+(.*)\[(\d+)/(\d+)\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$')
for line in open(sys.argv[2]):
    m = line_re.match(line)
    if m and m.group(3) == pid:
        runs[m.group(1).strip()].append(float(m.group(6)))
        waits[m.group(1).strip()].append(float(m.group(5)))
p99 = lambda xs: sorted(xs)[min(len(xs) - 1, int(len(xs) * 0.99))]
print(f"  {'thread':18s} {'runs':>6s} {'run total':>10s} {'run p99':>8s} {'longest':>8s} {'wait p99':>9s}")
for name in sorted(runs, key=lambda k: -sum(runs[k]))[:6]:
    r, w = runs[name], waits[name]
    print(f"  {name:18s} {len(r):6d} {sum(r):10.1f} {p99(r):8.3f} {max(r):8.3f} {p99(w):9.3f}")
PYEOF
    fi
}

# tiering NAME CMD...: a fresh server under the load a second at a time: the seconds of load before
# its tiered JIT first compiles and before it has been quiet for three seconds (at most 60).
tiering() {
    local name=$1; shift
    start_on_free_port "$name" "$@" || return 0
    local port=$PORT
    # (The compiler thread exits after a few idle seconds, so its CPU so far is not a total.)
    local pid=$SERVER_PID first="" quiet=0 i before after
    for i in $(seq 60); do
        before=$(jit_ticks_total "$pid")
        run_loadgen --target "127.0.0.1:$port" --duration 1 --concurrency 64 --expect-bytes "$POEM_BYTES" >/dev/null
        after=$(jit_ticks_total "$pid")
        [ -n "$first" ] || [ "$after" -eq 0 ] || first=$i
        if [ -n "$first" ] && [ "$after" -eq "$before" ]; then quiet=$((quiet + 1)); else quiet=0; fi
        [ "$quiet" -lt 3 ] || break
    done
    stop_server "$pid"
    echo "== $name tiering, pinned: first tier-1 compilation after ${first:-more than 60} s of load, quiet again after $i s of load"
}

profile ours dotnet "$OURS_DLL" --pidfile= fastpoetry --port @PORT@ --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL"
[ -z "$BASELINE" ] || profile baseline dotnet "$BASELINE" --pidfile= fastpoetry --port @PORT@ --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL"
[ ! -f "$RAW_DLL" ] || profile raw dotnet "$RAW_DLL" --port @PORT@ --poem "$POEM" --backlog 512
echo
tiering ours dotnet "$OURS_DLL" --pidfile= fastpoetry --port @PORT@ --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL"
[ ! -f "$RAW_DLL" ] || tiering raw dotnet "$RAW_DLL" --port @PORT@ --poem "$POEM" --backlog 512
