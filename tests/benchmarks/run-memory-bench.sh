#!/usr/bin/env bash
# Memory benchmark: resident memory of the poem servers idle, under the c=64 load, and over a
# soak, side by side in one run: poetry-node fastpoetry (and, with --baseline, another build of
# it, say main's; with --published, this tree's published ReadyToRun build beside the plain one),
# the Twisted poem server and the raw .NET server.
#
# For each server: start it, wait --settle seconds and read its idle RSS; warm up; load it for
# --soak seconds (loadgen, poem mode) while sampling VmRSS four times a second; then read RSS
# once more after --settle idle seconds.
#
#   tests/benchmarks/run-memory-bench.sh [--soak S] [--settle S] [--concurrency N]
#       [--servers "ours twisted raw"] [--baseline PATH/poetry-node.dll] [--published]
#       [--published-baseline PATH/poetry-node] [--no-build] [--top N]
#
#   --soak S        seconds of load (default 60)
#   --settle S      idle seconds before the first and the last reading (default 5)
#   --baseline DLL  also measure this poetry-node.dll, as the row "baseline"
#   --published     also publish this tree as a user does (dotnet publish -c Release -r linux-x64
#                   --self-contained false: ReadyToRun, as PoetryNode.csproj has it) and measure
#                   its apphost, as the row "published" (the publish takes a minute or two)
#   --published-baseline EXE  also measure this published poetry-node (say, main's), as the row
#                   "pub-base"
#   --loglevel L    the level poetry-node runs at (default warning: the quiet node)
#   --top N         after the table, where idle RSS goes: the N largest mappings of each server
#                   (from /proc/PID/smaps, a file's mappings summed), side by side (default 15;
#                   0 leaves it out)
#
# Columns: idle (after start), peak under load, the highest sample of the first and of the last
# 10 s of the soak (a leak shows as last > first), after (idle again), poems/s, CPU s per 10,000
# poems, and the ratio of the peak to Twisted's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

SOAK=60
SETTLE=5
CONCURRENCY=${BENCH_CONCURRENCY:-64}
SERVERS="ours twisted raw"
BASELINE=""
PUBLISH=0
PUBLISHED_BASELINE=""
LEVEL=warning
NO_BUILD=0
TOP=15
while [ $# -gt 0 ]; do
    case $1 in
        --soak) SOAK=$2; shift ;;
        --settle) SETTLE=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --servers) SERVERS=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        --published) PUBLISH=1 ;;
        --published-baseline) PUBLISHED_BASELINE=$2; shift ;;
        --loglevel) LEVEL=$2; shift ;;
        --no-build) NO_BUILD=1 ;;
        --top) TOP=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
# The poetry-node rows first, next to each other: ours, published, baseline, pub-base.
EXTRA=""
[ "$PUBLISH" = 0 ] || EXTRA+=" published"
[ -z "$BASELINE" ] || EXTRA+=" baseline"
[ -z "$PUBLISHED_BASELINE" ] || EXTRA+=" pub-base"
[ -z "$EXTRA" ] || SERVERS="ours$EXTRA ${SERVERS/ours/}"
PUBLISHED=$WORK/published
POEM=$REPO/poetry/ecstasy.txt
POEM_BYTES=$(stat -c %s "$POEM")

log "building loadgen"; build_loadgen
declare -A AVAILABLE=()
for s in $SERVERS; do
    case $s in
        ours) log "building poetry-node (Release)"; build_ours && AVAILABLE[ours]=1 || log "ours: not available" ;;
        baseline) [ -f "$BASELINE" ] && AVAILABLE[baseline]=1 || log "baseline: $BASELINE not found" ;;
        published)
            log "publishing poetry-node (ReadyToRun, as the csproj has it)"
            if dotnet publish "$REPO/src/PoetryNode" -c Release -r linux-x64 --self-contained false \
                -o "$PUBLISHED" -nologo -v quiet >"$WORK/publish.log" 2>&1; then
                AVAILABLE[published]=1
            else
                tail -n 20 "$WORK/publish.log" >&2; log "published: not available"
            fi ;;
        pub-base) [ -x "$PUBLISHED_BASELINE" ] && AVAILABLE[pub-base]=1 || log "pub-base: $PUBLISHED_BASELINE not found" ;;
        twisted) have_twisted && AVAILABLE[twisted]=1 || log "twisted: not available" ;;
        raw) log "building RawPoemServer (Release)"; build_raw && AVAILABLE[raw]=1 || log "raw: not available" ;;
        *) log "unknown server: $s"; exit 2 ;;
    esac
done
machine_note
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "soak ${SOAK}s at concurrency $CONCURRENCY, settle ${SETTLE}s"

declare -A IDLE=() IDLE_PARTS=() PEAK=() FIRST=() LAST=() AFTER=() RATE=() CPU10K=() ERRS=()
mb() { calc "$1 / 1024" 1; }

# idle_maps PID FILE: the process's RSS per mapping in FILE, "kB name" a line, largest first. A
# file's mappings are summed under its base name; anonymous memory is [anon]; the runtime's
# double-mapped JIT code and type data (W^X) is memfd:doublemapper.
idle_maps() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / {n = ($6 == "") ? "[anon]" : $6; sub(/^.*\//, "", n); next}
         /^Rss:/ {r[n] += $2}
         END {for (k in r) if (r[k] > 0) print r[k], k}' "/proc/$1/smaps" | sort -rn >"$2"
}

# print_idle_maps SERVER...: the union of each server's TOP largest idle mappings, one row each
# with every server's MB (in the order of the first server's, then the next's), then the rest
# and the total.
print_idle_maps() {
    local files=() s
    for s in "$@"; do files+=("$WORK/$s.idle-maps"); done
    awk -v top="$TOP" -v names="$*" '
        FNR == 1 {f++}
        {kb[f, $2] = $1; total[f] += $1; if (FNR <= top && !($2 in seen)) {seen[$2] = 1; order[++n] = $2}}
        END {
            split(names, name, " ")
            line = sprintf("%-40s", "mapping"); for (i = 1; i <= f; i++) line = line sprintf(" | %9s", name[i]); print line
            for (r = 1; r <= n; r++) {
                line = sprintf("%-40s", substr(order[r], 1, 40))
                for (i = 1; i <= f; i++) {v = kb[i, order[r]]; shown[i] += v; line = line sprintf(" | %9s", v ? sprintf("%.1f", v / 1024) : "-")}
                print line
            }
            line = sprintf("%-40s", "(every other mapping)"); for (i = 1; i <= f; i++) line = line sprintf(" | %9.1f", (total[i] - shown[i]) / 1024); print line
            line = sprintf("%-40s", "total"); for (i = 1; i <= f; i++) line = line sprintf(" | %9.1f", total[i] / 1024); print line
        }' "${files[@]}"
}

measure() {
    local name=$1 port cmd
    port=$(free_port)
    case $name in
        ours) cmd=(dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL") ;;
        baseline) cmd=(dotnet "$BASELINE" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL") ;;
        published) cmd=("$PUBLISHED/poetry-node" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL") ;;
        pub-base) cmd=("$PUBLISHED_BASELINE" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel "$LEVEL") ;;
        twisted) cmd=("$PY" "$REPO/tests/twisted/poem_server.py" --port "$port" --poem "$POEM" --backlog 512) ;;
        raw) cmd=(dotnet "$RAW_DLL" --port "$port" --poem "$POEM" --backlog 512) ;;
    esac
    log "$name: starting on port $port"
    start_server "$name" "$port" "${cmd[@]}" || { log "$name: did not start"; return 0; }
    local pid=$SERVER_PID target=127.0.0.1:$port
    sleep "$SETTLE"
    IDLE[$name]=$(mb "$(rss_kb "$pid")")
    # What the idle RSS is made of: private memory (RssAnon, the heaps; plus RssShmem, where the
    # runtime's JIT keeps its code when W^X is on) and mapped files (RssFile: the runtime, the
    # assemblies, libc and friends, shared with every process that maps them).
    IDLE_PARTS[$name]=$(awk '/^RssAnon:/ {a = $2} /^RssShmem:/ {s = $2} /^RssFile:/ {f = $2}
        END {printf "%.0f/%.0f/%.0f", a / 1024, s / 1024, f / 1024}' "/proc/$pid/status")
    idle_maps "$pid" "$WORK/$name.idle-maps"
    run_loadgen --target "$target" --duration 2 --concurrency "$CONCURRENCY" --expect-bytes "$POEM_BYTES" >/dev/null
    log "$name: soaking"
    local samples=$WORK/$name.samples before after line
    (
        start=$(date +%s.%N)
        while alive "$pid"; do
            echo "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {printf "%.2f", n - s}') $(rss_kb "$pid")"
            sleep 0.25
        done
    ) >"$samples" &
    local sampler=$!
    BENCH_PIDS+=("$sampler")
    before=$(cpu_ticks "$pid")
    line=$(run_loadgen --target "$target" --duration "$SOAK" --concurrency "$CONCURRENCY" --expect-bytes "$POEM_BYTES")
    after=$(cpu_ticks "$pid")
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; forget_pid "$sampler"
    sleep "$SETTLE"
    AFTER[$name]=$(mb "$(rss_kb "$pid")")
    stop_server "$pid"
    log "$name: $line"
    local first last peak
    peak=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$samples")
    first=$(awk 'BEGIN {m = 0} $1 <= 10 && $2 > m {m = $2} END {print m}' "$samples")
    last=$(awk -v end="$SOAK" 'BEGIN {m = 0} $1 >= end - 10 && $1 <= end && $2 > m {m = $2} END {print m}' "$samples")
    PEAK[$name]=$(mb "$peak"); FIRST[$name]=$(mb "$first"); LAST[$name]=$(mb "$last")
    RATE[$name]=$(field "$line" rate); ERRS[$name]=$(field "$line" errors)
    CPU10K[$name]=$(calc "$((after - before)) / $CLK_TCK / $(field "$line" completed) * 10000" 3)
}

for s in $SERVERS; do
    [ -n "${AVAILABLE[$s]:-}" ] && measure "$s"
done

echo
echo "Memory benchmark (load average before: $LOAD_BEFORE): ${POEM_BYTES}-byte poem, soak ${SOAK}s, concurrency $CONCURRENCY, poetry-node at $LEVEL; RSS in MB"
fmt='%-9s | %7s | %17s | %10s | %11s | %10s | %7s | %9s | %9s | %6s | %12s | %12s\n'
printf "$fmt" server idle "idle anon/shm/file" "load peak" "first 10 s" "last 10 s" after poems/s "CPU/10k" errors "peak vs Tw" "idle vs Tw"
for s in $SERVERS; do
    if [ -z "${PEAK[$s]:-}" ]; then printf '%-9s | not available\n' "$s"; continue; fi
    printf "$fmt" "$s" "${IDLE[$s]}" "${IDLE_PARTS[$s]}" "${PEAK[$s]}" "${FIRST[$s]}" "${LAST[$s]}" "${AFTER[$s]}" "${RATE[$s]}" "${CPU10K[$s]}" "${ERRS[$s]}" \
        "$(ratio "${PEAK[$s]}" "${PEAK[twisted]:-}")" "$(ratio "${IDLE[$s]}" "${IDLE[twisted]:-}")"
done

if [ "$TOP" -gt 0 ]; then
    measured=()
    for s in $SERVERS; do [ -n "${PEAK[$s]:-}" ] && measured+=("$s"); done
    if [ ${#measured[@]} -gt 0 ]; then
        echo
        echo "Where idle RSS goes (MB, from /proc/PID/smaps at the idle reading; the $TOP largest mappings of each server;"
        echo "[anon]: GC heap, thread stacks, malloc arenas; [heap]: the native malloc heap; memfd:doublemapper: .NET's JIT code"
        echo "and type data, mapped twice for W^X; the rest are mapped files, shared with other processes that map them):"
        print_idle_maps "${measured[@]}"
    fi
fi
