#!/usr/bin/env bash
# Status endpoint benchmark: what the instruments and the status endpoint cost, in one run.
#
#  1. CPU per poem: poetry-node fastpoetry serving poetry/ecstasy.txt under loadgen, with the
#     status endpoint off (the instruments still count, nobody reads them: no meter listener,
#     no Kestrel) and on (--status-port, with OpenTelemetry's meter provider listening), with a
#     scraper reading /metrics and /status.json once a second (as Prometheus and an open page
#     would; against a closed port when off, so both share the machine alike), alternating,
#     several rounds. Reported: CPU seconds per 10,000 poems and on/off.
#  2. /metrics and /status.json for a node with 100 poem services that have all served:
#     scrape time (median and p90 of 30, through curl) and size.
#  3. The page's load time in headless Chromium: from navigation to the first render of the
#     node's status (the page records it), for the 2-service and the 100-service node.
#
#   tests/benchmarks/run-status-bench.sh [--rounds N] [--duration S] [--warmup S] [--concurrency N]
#       [--services N] [--cpu-only] [--pin] [--no-build]
#
#   --cpu-only   part 1 only (CPU per poem, off and on)
#
# Defaults: 3 rounds of 10 s (after 15 s of warm-up each, and up to 60 s more until the JIT is quiet) at concurrency 64; 100 services.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

ROUNDS=3
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-15}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
SERVICES=100
NO_BUILD=0
CPU_ONLY=0
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --services) SERVICES=$2; shift ;;
        --cpu-only) CPU_ONLY=1 ;;
        *) bench_option "$1" ;;
    esac
    shift
done
bench_setup
CHROMIUM=$(command -v chromium || true)

# status_port LOGFILE: the port the node's log says its status page is on.
status_port() {
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        local p
        p=$(grep -o 'status page on http://127.0.0.1:[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.1
    done
    return 1
}

# wait_started LOGFILE: until the node logs "node started".
wait_started() {
    local deadline=$((SECONDS + 120))
    until grep -q 'node started' "$1" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# start_scraper PORT SECONDS: reads /metrics and /status.json on PORT every SECONDS, in the
# background (its pid in SCRAPER_PID), whether anything answers there or not.
start_scraper() {
    ( while true; do
          curl -s -o /dev/null "http://127.0.0.1:$1/metrics" || true
          curl -s -o /dev/null "http://127.0.0.1:$1/status.json" || true
          sleep "$2"
      done ) &
    SCRAPER_PID=$!; BENCH_PIDS+=("$SCRAPER_PID")
}

# ---- 1. CPU per poem, status off and on -----------------------------------------------------
declare -A RATE=() CPU10K=() P50=() P99=() ERRS=() CPUX=() JIT=()
OFF=(); ON=()

measure() {
    local mode=$1 round=$2 port sport scraper pid line before after name="$1-$2"
    port=$(free_port)
    # The scraper runs in both modes, against nothing when the endpoint is off, so that both
    # share the machine with the same curl processes.
    sport=$(free_port)
    # The runtime's tier-1 compiler thread exits after 4 s idle, taking its CPU count with it:
    # kept alive (it only waits), jit_ticks can say how much JIT the measured window held.
    local cmd=(env DOTNET_TC_BackgroundWorkerTimeoutMs=3600000 dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1 --loglevel warning)
    if [ "$mode" = on ]; then
        cmd=(env DOTNET_TC_BackgroundWorkerTimeoutMs=3600000 dotnet "$OURS_DLL" --pidfile= --status-port "$sport" --loglevel warning fastpoetry --port "$port" --poem "$POEM" --iface 127.0.0.1)
    fi
    start_server "$name" "$port" "${cmd[@]}" || { log "$name: did not start"; exit 1; }
    pid=$SERVER_PID
    # The warm-up: load, with the scrapes twenty times a second instead of once, until the node's
    # tiered JIT has nothing left to compile. A node that has been up a while has its status code
    # at tier 1; at one scrape a second it takes a minute or two to get there (a method is
    # recompiled after 30 calls, twice with dynamic PGO), and measured with perf that JIT was a
    # tenth of the node's CPU 15 s after its start, all of the difference between on and off:
    # start-up cost, not the cost of serving a poem with the endpoint on. Both modes warm up alike.
    start_scraper "$sport" 0.05; scraper=$SCRAPER_PID
    run_loadgen --target "127.0.0.1:$port" --duration "$WARMUP" --concurrency "$CONCURRENCY" --expect-bytes "$POEM_BYTES" >/dev/null
    local more=0 jit0
    while :; do
        jit0=$(jit_ticks "$pid")
        run_loadgen --target "127.0.0.1:$port" --duration 3 --concurrency "$CONCURRENCY" --expect-bytes "$POEM_BYTES" >/dev/null
        # Quiet: at most 20 ms of tier-1 compiling in those 3 s.
        [ $(($(jit_ticks "$pid") - jit0)) -le $((CLK_TCK / 50)) ] && break
        more=$((more + 3))
        [ $more -lt 60 ] || { log "$name: the JIT was still compiling after $((WARMUP + more)) s of warm-up"; break; }
    done
    kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; forget_pid "$scraper"
    # Then as Prometheus and an open page read it: once a second.
    start_scraper "$sport" 1; scraper=$SCRAPER_PID
    local jit_before jit_after
    jit_before=$(jit_ticks "$pid")
    before=$(cpu_ticks "$pid")
    line=$(run_loadgen --target "127.0.0.1:$port" --duration "$DURATION" --concurrency "$CONCURRENCY" --expect-bytes "$POEM_BYTES")
    after=$(cpu_ticks "$pid")
    jit_after=$(jit_ticks "$pid")
    kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; forget_pid "$scraper"
    stop_server "$pid"
    record_load "$name" "$line" $((after - before))
    JIT[$name]=$(calc "100 * ($jit_after - $jit_before) / ($after - $before + 0.000001)" 1)
    log "$name: ${RATE[$name]} poems/s, ${CPU10K[$name]} CPU s/10k poems, errors ${ERRS[$name]}, JIT ${JIT[$name]}% of the CPU"
    if [ "$mode" = on ]; then ON+=("${CPUX[$name]}"); else OFF+=("${CPUX[$name]}"); fi
}

for r in $(seq "$ROUNDS"); do
    # Alternate which goes first, so that a drift in the machine's load favours neither.
    if [ $((r % 2)) = 1 ]; then measure off "$r"; measure on "$r"; else measure on "$r"; measure off "$r"; fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# cpu_table: part 1's figures.
cpu_table() {
    echo
    echo "Status endpoint benchmark: ${POEM_BYTES}-byte poem, $ROUNDS rounds of ${DURATION}s at concurrency $CONCURRENCY, pin=$PIN, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%-6s | %-22s | %-22s | %-8s | %s\n' round "off: CPU s/10k poems" "on: CPU s/10k poems" "on / off" "JIT share of the CPU, off / on"
    for r in $(seq "$ROUNDS"); do
        printf '%-6s | %-22s | %-22s | %-8s | %s\n' "$r" "${CPU10K[off-$r]} (${RATE[off-$r]}/s)" "${CPU10K[on-$r]} (${RATE[on-$r]}/s)" \
            "$(ratio "${CPUX[on-$r]}" "${CPUX[off-$r]}")" "${JIT[off-$r]}% / ${JIT[on-$r]}%"
    done
    local ratios=() r
    for r in $(seq "$ROUNDS"); do ratios+=("$(calc "${CPUX[on-$r]} / ${CPUX[off-$r]}" 3)"); done
    printf '%-6s | %-22s | %-22s | %sx (median of the rounds)\n' median "$(calc "$(median "${OFF[@]}") * 10000" 3)" "$(calc "$(median "${ON[@]}") * 10000" 3)" \
        "$(calc "$(median "${ratios[@]}")" 2)"
}
[ "$CPU_ONLY" = 1 ] && { cpu_table; exit 0; }

# ---- 2. /metrics and /status.json of a node with many services ------------------------------
DEPLOY=$WORK/many.hocon
{
    echo "poetry.node.services = ["
    for i in $(seq "$SERVICES"); do
        echo "  { name = poem-$i, kind = fastpoetry, poem = \"$POEM\", port = 0, iface = 127.0.0.1 }"
    done
    echo "]"
    echo "poetry.status { port = 0, iface = 127.0.0.1 }"
    echo "akka.loglevel = INFO"
} >"$DEPLOY"
dotnet "$OURS_DLL" --pidfile= run "$DEPLOY" >"$WORK/many.log" 2>&1 &
MANY=$!; BENCH_PIDS+=("$MANY")
wait_started "$WORK/many.log" || { log "the $SERVICES-service node did not start"; tail "$WORK/many.log" >&2; exit 1; }
MPORT=$(status_port "$WORK/many.log")
log "$SERVICES-service node: status on $MPORT; one poem from each service"
for p in $(grep -o 'listening on 127.0.0.1:[0-9]*' "$WORK/many.log" | grep -o '[0-9]*$'); do
    run_loadgen --target "127.0.0.1:$p" --count 3 --concurrency 1 --expect-bytes "$POEM_BYTES" >/dev/null
done

# scrape URL N: "median_ms p90_ms bytes" over N fetches.
scrape() {
    local url=$1 n=$2 times=() size=0 i out
    curl -s -o /dev/null "$url"
    for i in $(seq "$n"); do
        out=$(curl -s -o /dev/null -w '%{time_total} %{size_download}' "$url")
        times+=("$(calc "${out% *} * 1000" 2)"); size=${out#* }
    done
    local sorted
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    echo "$(median "${times[@]}") $(printf '%s\n' "$sorted" | awk -v n="$n" 'NR == int(n * 0.9 + 0.5) {print}') $size"
}
read -r METRICS_MS METRICS_P90 METRICS_BYTES <<<"$(scrape "http://127.0.0.1:$MPORT/metrics" 30)"
read -r JSON_MS JSON_P90 JSON_BYTES <<<"$(scrape "http://127.0.0.1:$MPORT/status.json" 30)"
SERIES=$(curl -s "http://127.0.0.1:$MPORT/metrics" | grep -c '^poetry_' || true)

# ---- 3. The page's load time in headless Chromium -------------------------------------------
# page_load URL: ms from navigation to the page's first render of the status (median of 5).
page_load() {
    [ -n "$CHROMIUM" ] || { echo n/a; return; }
    local url=$1 i values=()
    for i in 1 2 3 4 5; do
        local profile
        profile=$(mktemp -d "$WORK/chromium.XXXXXX")
        local v
        v=$(timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
                --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
                --virtual-time-budget=5000 --dump-dom "$url" 2>/dev/null | grep -o 'data-first-render-ms="[0-9]*"' | grep -o '[0-9]*' || true)
        rm -rf "$profile"
        [ -n "$v" ] && values+=("$v")
    done
    [ ${#values[@]} -gt 0 ] && median "${values[@]}" || echo n/a
}
PAGE_MANY=$(page_load "http://127.0.0.1:$MPORT/")
PAGE_BYTES=0
for a in / status.css status.js; do
    PAGE_BYTES=$((PAGE_BYTES + $(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$MPORT/${a#/}")))
done
stop_server "$MANY"

# The small node (two services) for the page on its usual scale.
SMALL=$WORK/small.hocon
printf '%s\n' "poetry.node.services = [" \
    "  { name = ecstasy, kind = fastpoetry, poem = \"$POEM\", port = 0, iface = 127.0.0.1 }" \
    "  { name = xform, kind = transform, port = 0, iface = 127.0.0.1 }" "]" \
    "poetry.status { port = 0, iface = 127.0.0.1 }" >"$SMALL"
dotnet "$OURS_DLL" --pidfile= run "$SMALL" >"$WORK/small.log" 2>&1 &
SMALL_PID=$!; BENCH_PIDS+=("$SMALL_PID")
wait_started "$WORK/small.log"
PAGE_SMALL=$(page_load "http://127.0.0.1:$(status_port "$WORK/small.log")/")
stop_server "$SMALL_PID"

# ---- the table ------------------------------------------------------------------------------
cpu_table
echo
printf '%-40s | %s\n' "what ($SERVICES services, 3 poems each)" "figure"
printf '%-40s | %s ms (p90 %s ms), %s bytes, %s poetry_ lines\n' "/metrics scrape" "$METRICS_MS" "$METRICS_P90" "$METRICS_BYTES" "$SERIES"
printf '%-40s | %s ms (p90 %s ms), %s bytes\n' "/status.json (the page's data, each 1 s)" "$JSON_MS" "$JSON_P90" "$JSON_BYTES"
printf '%-40s | %s ms to the first render (%s bytes of page)\n' "page load in Chromium, $SERVICES services" "$PAGE_MANY" "$PAGE_BYTES"
printf '%-40s | %s ms to the first render\n' "page load in Chromium, 2 services" "$PAGE_SMALL"
