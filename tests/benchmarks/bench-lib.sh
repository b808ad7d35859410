# Shared helpers for run-poem-server-bench.sh and run-transform-bench.sh. Sourced, not run.
#
# Every process a benchmark starts is recorded in BENCH_PIDS and killed (by pid) on exit.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
PY=/usr/bin/python3                      # Debian's python3, which has Twisted
LOADGEN=$BENCH_DIR/bin/loadgen           # bin/ is git-ignored
RAW_DLL=$BENCH_DIR/RawPoemServer/bin/Release/net10.0/RawPoemServer.dll
# BENCH_OURS_DLL measures another build of poetry-node (say, main's) with the same script.
OURS_DLL=${BENCH_OURS_DLL:-$REPO/src/PoetryNode/bin/Release/net10.0/poetry-node.dll}
CLK_TCK=$(getconf CLK_TCK)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/poetry-bench.XXXXXX")
BENCH_PIDS=()
PIN=0
SERVER_CPU=(); LOADGEN_CPU=()

cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# set_pinning: with --pin, servers run on core 0 and the load generator on core 1.
set_pinning() {
    if [ "$PIN" = 1 ]; then
        SERVER_CPU=(taskset -c 0); LOADGEN_CPU=(taskset -c 1)
    else
        SERVER_CPU=(); LOADGEN_CPU=()
    fi
}

build_loadgen() {
    mkdir -p "$BENCH_DIR/bin"
    cc -O2 -o "$LOADGEN" "$BENCH_DIR/loadgen.c"
}

build_raw() {
    dotnet build -c Release -nologo -v quiet "$BENCH_DIR/RawPoemServer/RawPoemServer.csproj" >"$WORK/raw-build.log" 2>&1 \
        || { cat "$WORK/raw-build.log" >&2; return 1; }
}

# build_ours: builds src/PoetryNode (Release); non-zero when it cannot be built.
# With NO_BUILD=1 an existing dll is used as it is.
build_ours() {
    if { [ "${NO_BUILD:-0}" = 1 ] || [ -n "${BENCH_OURS_DLL:-}" ]; } && [ -f "$OURS_DLL" ]; then return 0; fi
    [ -d "$REPO/src/PoetryNode" ] || return 1
    dotnet build -c Release -nologo -v quiet "$REPO/src/PoetryNode" >"$WORK/ours-build.log" 2>&1 \
        && [ -f "$OURS_DLL" ]
}

have_twisted() { "$PY" -c 'import twisted' 2>/dev/null; }

# alive PID: the process exists and has not exited (a zombie still answers kill -0).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready PID PORT SECONDS: poll-connects until the port accepts; fails if PID dies.
wait_ready() {
    local pid=$1 port=$2 deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        alive "$pid" || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# start_server NAME PORT CMD...: starts CMD in the background (pinned with --pin), output in
# $WORK/NAME.log; sets SERVER_PID; fails (after showing the log) if it is not ready in 60 s.
start_server() {
    local name=$1 port=$2; shift 2
    "${SERVER_CPU[@]}" "$@" >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    BENCH_PIDS+=("$SERVER_PID")
    if ! wait_ready "$SERVER_PID" "$port" 60; then
        log "$name: did not start listening on $port; its output:"
        tail -n 20 "$WORK/$name.log" >&2
        stop_server "$SERVER_PID"
        return 1
    fi
}

# forget_pid PID: a process we have reaped is no longer ours to kill (its pid may be reused).
forget_pid() {
    local keep=() p
    for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    BENCH_PIDS=("${keep[@]}")
}

# stop_server PID: SIGTERM, then SIGKILL after 10 s.
stop_server() {
    local pid=$1 i
    if kill -TERM "$pid" 2>/dev/null; then
        for i in $(seq 100); do
            alive "$pid" || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

# cpu_ticks PID: utime + stime of the whole process, in clock ticks.
cpu_ticks() {
    # Drop "pid (comm) " first: comm may hold spaces. Then utime and stime are fields 12, 13.
    sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# rss_kb PID: the current VmRSS in kB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# start_rss_sampler PID FILE: writes the peak VmRSS (kB) seen to FILE, four times a second.
start_rss_sampler() {
    local pid=$1 file=$2
    (
        peak=0
        while alive "$pid"; do
            r=$(rss_kb "$pid" 2>/dev/null || echo 0)
            [ "${r:-0}" -gt "$peak" ] && { peak=$r; echo "$peak" >"$file"; }
            sleep 0.25
        done
    ) &
    SAMPLER_PID=$!
    BENCH_PIDS+=("$SAMPLER_PID")
}

stop_rss_sampler() {
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    forget_pid "$SAMPLER_PID"
}

# run_loadgen ARGS...: runs the load generator (pinned with --pin) and prints its one line.
run_loadgen() { "${LOADGEN_CPU[@]}" "$LOADGEN" "$@"; }

# field LINE NAME: the value of NAME=value in a loadgen line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

# calc EXPR: floating-point arithmetic through awk.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

machine_note() {
    log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), pinning: $([ "$PIN" = 1 ] && echo 'servers core 0, loadgen core 1' || echo off)"
}

# record_load NAME LOADGEN_LINE CPU_TICKS: files one server's figures in the associative arrays
# RATE, ERRS, P50, P99 (ms), CPUX (CPU seconds per request) and CPU10K (per 10,000 requests),
# which the calling script declares.
record_load() {
    local name=$1 line=$2 ticks=$3 completed
    completed=$(field "$line" completed)
    RATE[$name]=$(field "$line" rate)
    ERRS[$name]=$(field "$line" errors)
    P50[$name]=$(calc "$(field "$line" p50_us) / 1000" 2)
    P99[$name]=$(calc "$(field "$line" p99_us) / 1000" 2)
    if [ "$completed" -gt 0 ]; then
        CPUX[$name]=$(calc "$ticks / $CLK_TCK / $completed" 9)
        CPU10K[$name]=$(calc "${CPUX[$name]} * 10000" 3)
    else
        CPUX[$name]=0; CPU10K[$name]=n/a
    fi
}

# ratio A B: A / B formatted as "0.42x", or n/a.
ratio() {
    if [ -n "$2" ] && awk "BEGIN { exit !($2 > 0 && $1 > 0) }"; then
        printf '%sx' "$(calc "$1 / $2" 2)"
    else
        printf 'n/a'
    fi
}

# jit_ticks PID: CPU ticks so far of the runtime's tiered-compilation threads (".NET Tiered
# Com"), one "tid ticks" line each. That thread comes and goes, so compare by thread.
jit_ticks() {
    local t
    for t in /proc/"$1"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = ".NET Tiered Com" ] || continue
        printf '%s %s\n' "${t##*/}" "$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
    done
}

# settle_jit PID MAX_S LOADGEN_ARGS...: after the fixed warm-up, keeps a .NET server under the
# same load, a second at a time, until two seconds in a row pass in which its tiered compiler used no CPU
# (at most MAX_S seconds more). A 2-second warm-up was not enough for the logging node: in a perf
# profile of its measured window, 15% of the samples were still the tier-1 JIT recompiling the
# logging path, which made "CPU per poem with logging" partly a measure of the JIT. Prints how
# many extra seconds it took on stderr, and on stdout how many connections it made (a logging
# server logs each of them).
settle_jit() {
    local pid=$1 max=$2 i before after grew line made=0 started quiet=0; shift 2
    # Tier-1 compilation starts only after the runtime's call-counting delay (1 s in poetry-node's
    # runtimeconfig): a second without JIT counts only once the JIT has run at all.
    started=$(jit_ticks "$pid" | awk '{ s += $2 } END { print s + 0 }')
    for i in $(seq "$max"); do
        before=$(jit_ticks "$pid")
        line=$(run_loadgen "$@" --duration 1)
        made=$((made + $(field "$line" completed)))
        after=$(jit_ticks "$pid")
        grew=$(awk 'NR == FNR { b[$1] = $2; next } { d += $2 - ($1 in b ? b[$1] : 0) } END { print d + 0 }' \
            <(printf '%s\n' "$before") <(printf '%s\n' "$after"))
        [ "$grew" -gt 0 ] && { started=1; quiet=0; }
        # Two quiet seconds: with the 1 s call-counting delay, tier-1 work comes in bursts.
        [ "$grew" -eq 0 ] && [ "$started" -gt 0 ] && quiet=$((quiet + 1))
        if [ "$quiet" -ge 2 ]; then
            log "  JIT settled after ${i}s more of load"
            echo "$made"
            return 0
        fi
    done
    log "  JIT still compiling after ${max}s more of load; measuring anyway"
    echo "$made"
}

# jit_settle_default: settle_jit's limit when a benchmark is not given --jit-settle: 15 s, or 40 s
# with --pin. On one CPU the runtime multiplies the tiering delay by 10 (its
# TC_DelaySingleProcMultiplier, which has no runtimeconfig knob), so poetry-node's 1 s
# CallCountingDelayMs becomes 10 s, and the delay restarts while new methods are still being
# called: pinned to one core, its first tier-1 compilation came 15 to 18 s into the load and the
# JIT went quiet 18 to 24 s in (run-one-core-profile.sh's tiering timeline). With 15 s the pinned
# rows were measured while the JIT was still compiling.
jit_settle_default() { if [ "$PIN" = 1 ]; then echo 40; else echo 15; fi; }

# median X...: the median of the numbers given (the mean of the middle two for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# jit_ticks_total PID: the sum of jit_ticks' lines, for a benchmark that keeps the compiler
# thread alive (DOTNET_TC_BackgroundWorkerTimeoutMs) so that its ticks only grow.
jit_ticks_total() { jit_ticks "$1" | awk '{ s += $2 } END { print s + 0 }'; }

# bench_option ARG: the options every benchmark takes (--pin, --no-build, --help); an unknown
# option ends the script with exit 2. A script's own option loop ends in: *) bench_option "$1" ;;
bench_option() {
    case $1 in
        --pin) PIN=1 ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
}

# bench_setup: the set-up of a poetry-node benchmark after its options: pinning, the poem
# (POEM, poetry/ecstasy.txt, and POEM_BYTES), loadgen and poetry-node (Release) built, and the
# machine's note; ends the script when poetry-node does not build.
bench_setup() {
    set_pinning
    POEM=$REPO/poetry/ecstasy.txt
    POEM_BYTES=$(stat -c %s "$POEM")
    log "building loadgen"
    build_loadgen
    log "building poetry-node (Release)"
    build_ours || { log "poetry-node does not build (src/PoetryNode)"; exit 1; }
    machine_note
}
