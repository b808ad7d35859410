#!/usr/bin/env bash
# Client start-up: `poetry-node get` of one poem, start to exit, as a user runs it, beside the
# tutorial's Twisted client (tests/twisted/fetch_poem.py) fetching the same poem, in one run.
# The server is the raw .NET poem server (the cheapest; it is not what is measured).
#
#   tests/benchmarks/run-client-bench.sh [--runs N] [--dotnet-run N] [--baseline DLL] [--composite] [--no-build]
#
#   --runs N        runs of each client (default 7); the table has the median and the best
#   --dotnet-run N  also time `dotnet run --project src/PoetryNode -- get` N times (default 2;
#                   0 for none): what a developer gets from source, build check included
#   --baseline DLL  also time `dotnet DLL get`, another build (say, main's)
#   --composite     also time a self-contained composite ReadyToRun build (-p:SelfContained=true
#                   -p:PublishReadyToRunComposite=true: the framework compiled with the app, in a
#                   copy of the tree so its intermediates stay apart); its publish takes minutes
#
# Clients: "published" is `dotnet publish -c Release -r linux-x64`, which PoetryNode.csproj makes
# ReadyToRun (the crossgen2 package compiles every assembly ahead of time; the apphost poetry-node
# starts it), "dll" is `dotnet src/PoetryNode/bin/Release/net10.0/poetry-node.dll` (JIT only). Figures
# per client: wall time (the process, start to exit), CPU seconds (user + system), peak RSS;
# every run's output is checked against the poem, byte for byte. Wall times depend on what else
# the machine runs; CPU seconds much less: compare within one run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

RUNS=7
DOTNET_RUNS=2
BASELINE=""
COMPOSITE=0
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift ;;
        --dotnet-run) DOTNET_RUNS=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        --composite) COMPOSITE=1 ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done
POEM=$REPO/poetry/ecstasy.txt
PUBLISHED=$WORK/published

log "building poetry-node (Release) and RawPoemServer"
build_ours || { log "poetry-node does not build"; exit 1; }
build_raw || { log "RawPoemServer does not build"; exit 1; }
log "publishing poetry-node (ReadyToRun, as the csproj has it)"
dotnet publish "$REPO/src/PoetryNode" -c Release -r linux-x64 --self-contained false \
    -o "$PUBLISHED" -nologo -v quiet >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; exit 1; }
if [ "$COMPOSITE" = 1 ]; then
    # A copy of the sources: a composite build's intermediates in obj/ would spoil the next plain publish.
    log "publishing poetry-node self-contained composite ReadyToRun (minutes)"
    mkdir -p "$WORK/tree"
    tar -C "$REPO" --exclude=bin --exclude=obj -cf - src Directory.Build.props Directory.Packages.props global.json \
        .editorconfig hocon poetry README.md | tar -C "$WORK/tree" -xf -
    dotnet publish "$WORK/tree/src/PoetryNode" -c Release -r linux-x64 -p:SelfContained=true -p:PublishReadyToRunComposite=true \
        -o "$WORK/composite" -nologo -v quiet >"$WORK/composite.log" 2>&1 || { cat "$WORK/composite.log" >&2; exit 1; }
    log "composite build: $(du -sh "$WORK/composite" | cut -f1), plain: $(du -sh "$PUBLISHED" | cut -f1)"
fi
have_twisted || log "twisted: not available ($PY cannot import twisted)"

port=$(free_port)
start_server raw "$port" dotnet "$RAW_DLL" --port "$port" --poem "$POEM" --backlog 512 || exit 1
machine_note
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A WALL=() BEST=() CPU=() RSS=() COUNT=()
# time_once NAME CMD...: runs CMD once, checks that its stdout is the poem, and appends its wall
# time, CPU seconds and peak RSS to $WORK/NAME.wall, .cpu and .rss.
time_once() {
    local name=$1 start end user sys rss; shift
    start=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" \
        || { log "$name failed: $(head -3 "$WORK/err")"; return 0; }
    end=$(date +%s%N)
    cmp -s "$WORK/out" "$POEM" || { log "$name: the output is not the poem"; return 0; }
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }' >>"$WORK/$name.wall"
    read -r user sys rss <<<"$(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$WORK/time" | tail -1)"
    awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >>"$WORK/$name.cpu"
    echo $((rss / 1024)) >>"$WORK/$name.rss"
}

CLIENTS=(published dll)
[ "$COMPOSITE" = 1 ] && CLIENTS+=(composite)
have_twisted && CLIENTS+=(twisted)
[ -z "$BASELINE" ] || CLIENTS+=(baseline)
# Interleaved rounds, so that a busy moment of the machine falls on every client alike.
for round in $(seq "$RUNS"); do
    log "round $round of $RUNS"
    time_once published "$PUBLISHED/poetry-node" get "$port"
    time_once dll dotnet "$OURS_DLL" get "$port"
    [ "$COMPOSITE" = 1 ] && time_once composite "$WORK/composite/poetry-node" get "$port"
    have_twisted && time_once twisted "$PY" "$REPO/tests/twisted/fetch_poem.py" 127.0.0.1 "$port"
    [ -z "$BASELINE" ] || time_once baseline dotnet "$BASELINE" get "$port"
done
if [ "$DOTNET_RUNS" -gt 0 ]; then
    CLIENTS+=(dotnet-run)
    for round in $(seq "$DOTNET_RUNS"); do
        log "dotnet run, $round of $DOTNET_RUNS"
        (cd "$REPO" && time_once dotnet-run dotnet run -c Release --project src/PoetryNode -- get "$port")
    done
fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for name in "${CLIENTS[@]}"; do
    [ -s "$WORK/$name.wall" ] || continue
    WALL[$name]=$(median <"$WORK/$name.wall"); BEST[$name]=$(sort -n "$WORK/$name.wall" | head -1)
    CPU[$name]=$(median <"$WORK/$name.cpu"); RSS[$name]=$(sort -n "$WORK/$name.rss" | tail -1)
    COUNT[$name]=$(wc -l <"$WORK/$name.wall")
done

echo
echo "Client start-up: get one poem ($(stat -c %s "$POEM") bytes), start to exit; medians (best); load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
fmt='%-11s | %4s | %8s | %8s | %6s | %7s | %13s | %13s | %12s\n'
printf "$fmt" client runs "wall s" "(best)" "CPU s" "RSS MB" "wall vs Tw" "best vs Tw" "CPU vs Tw"
for name in "${CLIENTS[@]}"; do
    [ -n "${WALL[$name]:-}" ] || { printf '%-11s | not available\n' "$name"; continue; }
    printf "$fmt" "$name" "${COUNT[$name]}" "${WALL[$name]}" "${BEST[$name]}" "${CPU[$name]}" "${RSS[$name]}" \
        "$(ratio "${WALL[$name]}" "${WALL[twisted]:-}")" "$(ratio "${BEST[$name]}" "${BEST[twisted]:-}")" \
        "$(ratio "${CPU[$name]}" "${CPU[twisted]:-}")"
done
