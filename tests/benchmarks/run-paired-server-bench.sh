#!/usr/bin/env bash
# Paired poem server benchmark: two servers loaded AT THE SAME TIME, each by its own loadgen with
# half the connections, so that whatever else the box does in a window falls on both alike.
# run-poem-server-bench.sh measures servers one after another; on this shared two-core box its
# per-round ratio of two identical servers moved between 0.80x and 1.31x (load 12-19), which is
# wider than the differences it is asked to show. Here the ratio of one window is the two servers
# sharing the same CPUs and the same moment: a server that needs more CPU per poem serves fewer.
#
#   tests/benchmarks/run-paired-server-bench.sh [--pair "ours proxy"] [--rounds N] [--duration S]
#       [--concurrency N] [--pin] [--baseline DLL] [--no-build]
#
#   --pair "A B"   the two servers (default "ours proxy"): ours (fastpoetry), proxy (poetry-node
#                  proxy, its cache warmed from a fastpoetry upstream that is then stopped, so
#                  every measured poem comes from the cache: errors=0 shows it), ours2 (a second
#                  fastpoetry from the same build: "ours ours2" shows the method's own noise),
#                  baseline (fastpoetry from --baseline DLL), ours-log (fastpoetry at --loglevel
#                  info with --logfile: the access log's line per connection to a file),
#                  ours-stdout (info, the log on stdout redirected to a file), baseline-log
#   --rounds N     measured windows (default 7), the same two processes throughout; odd windows
#                  start A's loadgen first, even windows B's
#   --warm N       unmeasured paired windows first (default 2): each server was warmed alone, and
#                  pinned, the one started last was still compiling at tier 1 in the first windows
#   --duration S   seconds per window (default 5)
#   --concurrency  connections in flight in all (default 64): half for each server
#   --pin          both servers on core 0, both loadgens on core 1
#   --baseline DLL the poetry-node.dll for "baseline"
#   --no-build     use the existing poetry-node.dll
#
# Prints each window's poems/s and CPU per poem for both, B/A per window, and the medians.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

PAIR="ours proxy"
ROUNDS=7
DURATION=5
CONCURRENCY=64
BASELINE=""
NO_BUILD=0
WARMUP=2
WARM_WINDOWS=2
while [ $# -gt 0 ]; do
    case $1 in
        --pair) PAIR=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --warm) WARM_WINDOWS=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --pin) PIN=1 ;;
        --baseline) BASELINE=$2; shift ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
read -r A B <<<"$PAIR"
[ -n "${A:-}" ] && [ -n "${B:-}" ] || { log "--pair needs two servers"; exit 2; }
if [[ " $A $B " == *" baseline"* ]] && [ ! -f "$BASELINE" ]; then log "baseline: give --baseline PATH/poetry-node.dll"; exit 2; fi
HALF=$((CONCURRENCY / 2))
bench_setup

declare -A PID=() PORT=()
# start NAME: starts that server, warms it up (the proxy's cache too), leaves it running.
start() {
    local name=$1 port cmd upstream_pid=""
    port=$(free_port)
    case $name in
        ours|ours2) cmd=(dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel warning) ;;
        baseline) cmd=(dotnet "$BASELINE" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel warning) ;;
        ours-log) cmd=(dotnet "$OURS_DLL" --pidfile= --logfile "$WORK/$name-access.log" --logfile-size 1000m fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        baseline-log) cmd=(dotnet "$BASELINE" --pidfile= --logfile "$WORK/$name-access.log" --logfile-size 1000m fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        ours-stdout) cmd=(dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel info) ;;
        proxy)
            local upstream_port; upstream_port=$(free_port)
            start_server proxy-upstream "$upstream_port" dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$upstream_port" \
                --poem "$POEM" --iface 127.0.0.1 --loglevel warning || { log "proxy: its upstream did not start"; exit 1; }
            upstream_pid=$SERVER_PID
            cmd=(dotnet "$OURS_DLL" --pidfile= proxy --port "$port" --upstream "127.0.0.1:$upstream_port" --iface 127.0.0.1 --loglevel warning) ;;
        *) log "unknown server: $name (ours, ours2, proxy, baseline, ours-log, ours-stdout, baseline-log)"; exit 2 ;;
    esac
    log "$name: starting on port $port"
    start_server "$name" "$port" "${cmd[@]}" || { log "$name: did not start"; exit 1; }
    PID[$name]=$SERVER_PID PORT[$name]=$port
    run_loadgen --target "127.0.0.1:$port" --duration "$WARMUP" --concurrency "$HALF" --expect-bytes "$POEM_BYTES" >/dev/null
    settle_jit "$SERVER_PID" "$(jit_settle_default)" --target "127.0.0.1:$port" --concurrency "$HALF" --expect-bytes "$POEM_BYTES" >/dev/null
    if [ -n "$upstream_pid" ]; then
        log "proxy: cache warm; stopping its upstream"
        stop_server "$upstream_pid"
    fi
}
start "$A"
start "$B"

# load NAME OUT: one window's loadgen against NAME, its result line into OUT.
load() { run_loadgen --target "127.0.0.1:${PORT[$1]}" --duration "$DURATION" --concurrency "$HALF" --expect-bytes "$POEM_BYTES" >"$2"; }

for w in $(seq "$WARM_WINDOWS"); do
    log "paired warm-up window $w of $WARM_WINDOWS"
    load "$A" /dev/null & wa=$!; load "$B" /dev/null & wb=$!
    wait "$wa" "$wb"
done

RATIOS=() CPU_RATIOS=() RATES_A=() RATES_B=() CPU_A=() CPU_B=() LOADS=()
fmt='%-6s | %6s | %10s | %10s | %9s | %14s | %14s | %9s | %s\n'
echo
echo "Paired poem servers, ${POEM_BYTES}-byte poem, ${DURATION}s windows, $HALF connections each, pin=$PIN: A=$A, B=$B"
printf "$fmt" window load "A poems/s" "B poems/s" "B/A" "A CPU s/10k" "B CPU s/10k" "B/A CPU" errors
for round in $(seq "$ROUNDS"); do
    load_now=$(cut -d' ' -f1 /proc/loadavg); LOADS+=("$load_now")
    a0=$(cpu_ticks "${PID[$A]}"); b0=$(cpu_ticks "${PID[$B]}")
    if [ $((round % 2)) = 1 ]; then
        load "$A" "$WORK/a.out" & la=$!; load "$B" "$WORK/b.out" & lb=$!
    else
        load "$B" "$WORK/b.out" & lb=$!; load "$A" "$WORK/a.out" & la=$!
    fi
    wait "$la" "$lb"
    a1=$(cpu_ticks "${PID[$A]}"); b1=$(cpu_ticks "${PID[$B]}")
    la_line=$(cat "$WORK/a.out"); lb_line=$(cat "$WORK/b.out")
    ra=$(field "$la_line" rate); rb=$(field "$lb_line" rate)
    na=$(field "$la_line" completed); nb=$(field "$lb_line" completed)
    ca=$(calc "($a1 - $a0) / $CLK_TCK / $na * 10000" 3); cb=$(calc "($b1 - $b0) / $CLK_TCK / $nb * 10000" 3)
    r=$(calc "$rb / $ra" 3); rc=$(calc "$cb / $ca" 3)
    RATIOS+=("$r") CPU_RATIOS+=("$rc") RATES_A+=("$ra") RATES_B+=("$rb") CPU_A+=("$ca") CPU_B+=("$cb")
    printf "$fmt" "$round" "$load_now" "$ra" "$rb" "${r}x" "$ca" "$cb" "${rc}x" "$(field "$la_line" errors)/$(field "$lb_line" errors)"
done
echo
echo "Medians of $ROUNDS windows (load $(IFS=' '; echo "${LOADS[*]}")):"
echo "  $A $(calc "$(median "${RATES_A[@]}")" 0) poems/s, $(calc "$(median "${CPU_A[@]}")" 3) CPU s/10k; $B $(calc "$(median "${RATES_B[@]}")" 0) poems/s, $(calc "$(median "${CPU_B[@]}")" 3) CPU s/10k"
# Unpinned, the loadgen started first tends to win its window (by up to 20% at load 10: the
# scheduler's placement of four busy processes on two cores), so odd and even windows lean
# opposite ways; the geometric mean over whole pairs of windows weighs both orders alike.
geomean() { printf '%s\n' "$@" | awk '{ s += log($1); n++ } END { if (n) printf "%.2f", exp(s / n) }'; }
PAIRED=$(( ROUNDS / 2 * 2 ))
echo "  $B/$A poems/s $(calc "$(median "${RATIOS[@]}")" 2)x [$(IFS=' '; echo "${RATIOS[*]}")], geometric mean of the first $PAIRED windows $(geomean "${RATIOS[@]:0:$PAIRED}")x"
echo "  $B/$A CPU per poem $(calc "$(median "${CPU_RATIOS[@]}")" 2)x [$(IFS=' '; echo "${CPU_RATIOS[*]}")]"
stop_server "${PID[$A]}"; stop_server "${PID[$B]}"
