#!/usr/bin/env bash
# The fan-out benchmark of poetry-node get (issue 4): N downloads at once from a server that waits
# 1 s after each accept and then sends a 3,000-byte poem, measured end to end through the real
# downloader actors and aggregator, beside Twisted's DeferredList client (the tutorial's client 8).
#
# Usage: tests/benchmarks/fanout/run-fanout-bench.sh [--runs R] [--twisted-max N] [--r2r] [N...]
#   N...           how many downloads at once (default: 1000 10000)
#   --runs R       runs per figure; the table shows the median and the best (default: 3)
#   --twisted-max  run the Twisted client only up to this N (default: 1000)
#   --r2r          measure poetry-node as published ReadyToRun (dotnet publish -r linux-x64
#                  -p:PublishReadyToRun=true, which restores the crossgen2 package) instead of
#                  the plain Release build: no JIT at start-up, and less of it during the run
#
# For every N it starts tests/benchmarks/fanout/FanoutServer (4 ports, each serving its own
# 3,000-byte variant of poetry/ecstasy.txt, so that a poem in the wrong place is caught), asks for
# N poems spread over the 4 ports in a scrambled order, and checks that every outcome is correct and
# in request order. Figures:
#   fan-out   from the start of the downloads to the last outcome, inside the client: for
#             poetry-node get, summary.elapsed_ms of --json (PoetryClient.AllSettledAsync: creating
#             the aggregator and its downloader actors, connecting, waiting, reading, aggregating);
#             for Twisted, from the first connectTCP to the DeferredList firing. The ideal is 1.00 s.
#   process   the client process's wall time, start-up and exit included (.NET and the actor
#             system, or Python and Twisted's imports).
#   CPU       the client process's user + system CPU time (/usr/bin/time), start-up included:
#             unlike the times, it hardly depends on what else the machine is doing.
#   peak RSS  the client process's maximum resident set size (/usr/bin/time).
# Beside them, "C epoll floor": tests/benchmarks/loadgen.c opening the same N connections at
# once (one port), its wall time from the first connect to the last close: what the box allows.
# And ".NET floor": tests/benchmarks/fanout/FloorProbe, the plainest .NET async socket code (one
# async method per connection: ConnectAsync, then ReceiveAsync to the close; no actors, no timeouts)
# on the same N addresses, its connects started from one thread and from two: what .NET allows; and
# ".NET floor (16, knobs)": connects from 16 threads with poetry-node's runtime knobs, the fastest
# variant with supported APIs that stop 19 found (README.md, "Stop 19").
# The server runs on the same 2 cores as the client; nothing else should be running.
set -euo pipefail
cd "$(dirname "$0")/../../.."

runs=3
twisted_max=1000
r2r=false
sizes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --twisted-max) twisted_max="$2"; shift 2 ;;
    --r2r) r2r=true; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) sizes+=("$1"); shift ;;
  esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)

source tests/benchmarks/fanout/fanout-lib.sh
build_fanout_tools
build_client "$r2r"
twisted=tests/benchmarks/fanout/twisted_fanout_client.py

start_fanout_server --dump "$work/poems"

# check-json FILE N: every outcome downloaded, in request order, with its port's poem.
check_json() {
  /usr/bin/python3 - "$1" "$work/poems" "$work/addresses" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
addresses = open(sys.argv[3]).read().split()
poems = {p: open("%s/%s.txt" % (sys.argv[2], p), encoding="utf-8").read() for p in set(addresses)}
got = doc["poems"]
assert len(got) == len(addresses), "expected %d outcomes, got %d" % (len(addresses), len(got))
for i, (entry, port) in enumerate(zip(got, addresses)):
    assert entry["index"] == i, "outcome %d is in place %d" % (entry["index"], i)
    assert entry["address"] == "127.0.0.1:" + port, "outcome %d is from %s" % (i, entry["address"])
    assert entry["outcome"] == "downloaded", "outcome %d failed: %s" % (i, entry["error"])
    assert entry["poem"] == poems[port], "outcome %d is the wrong poem" % i
print("%.3f" % (doc["summary"]["elapsed_ms"] / 1000))
EOF
}

# check-text FILE: the poems in request order, a blank line between them, byte for byte.
check_text() {
  /usr/bin/python3 - "$1" "$work/poems" "$work/addresses" <<'EOF'
import sys
addresses = open(sys.argv[3]).read().split()
poems = {p: open("%s/%s.txt" % (sys.argv[2], p), "rb").read() for p in set(addresses)}
expected = b"\n".join(poems[p] for p in addresses)
assert open(sys.argv[1], "rb").read() == expected, "the poems are not all there, in request order"
EOF
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
seconds() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
best() { sort -n | head -1; }

results=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for n in "${sizes[@]}"; do
  addresses "$n" > "$work/addresses"
  mapfile -t args < "$work/addresses"

  : > "$work/ours.fanout"; : > "$work/ours.wall"; : > "$work/ours.rss"; : > "$work/ours.cpu"
  for run in $(seq "$runs"); do
    echo "poetry-node get, N=$n, run $run..." >&2
    start=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$client" get --json "${args[@]}" > "$work/out.json" 2> "$work/err" \
      || { echo "poetry-node get failed: $(head -5 "$work/err")" >&2; exit 1; }
    end=$(date +%s%N)
    check_json "$work/out.json" >> "$work/ours.fanout"
    seconds "$start" "$end" >> "$work/ours.wall"
    read -r user sys rss <<< "$(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$work/time" | tail -1)"
    echo $(( rss / 1024 )) >> "$work/ours.rss"
    awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >> "$work/ours.cpu"
  done
  ours_med=("$(median < "$work/ours.fanout")" "$(median < "$work/ours.wall")" "$(median < "$work/ours.cpu")" "$(sort -n "$work/ours.rss" | tail -1)")
  results+=("$(printf '%-22s %7d %9s %9s %9s %9s %7s %8s' "$label" "$n" \
    "$(median < "$work/ours.fanout")" "$(best < "$work/ours.fanout")" \
    "$(median < "$work/ours.wall")" "$(best < "$work/ours.wall")" \
    "$(median < "$work/ours.cpu")" "$(sort -n "$work/ours.rss" | tail -1)")")

  # The plain text output too, once: the same poems, byte for byte, in request order.
  "$client" get "${args[@]}" > "$work/out.txt" 2> "$work/err" || { echo "poetry-node get failed: $(head -5 "$work/err")" >&2; exit 1; }
  check_text "$work/out.txt"

  if [ "$n" -le "$twisted_max" ]; then
    : > "$work/tw.fanout"; : > "$work/tw.wall"; : > "$work/tw.rss"; : > "$work/tw.cpu"
    for run in $(seq "$runs"); do
      echo "Twisted DeferredList client, N=$n, run $run..." >&2
      start=$(date +%s%N)
      /usr/bin/time -f "%U %S %M" -o "$work/time" /usr/bin/python3 "$twisted" "${args[@]}" > "$work/out.txt" 2> "$work/err" \
        || { echo "the Twisted client failed: $(head -5 "$work/err")" >&2; exit 1; }
      end=$(date +%s%N)
      check_text "$work/out.txt"
      sed -n 's/^fanout: .* \([0-9.]*\) s$/\1/p' "$work/err" >> "$work/tw.fanout"
      seconds "$start" "$end" >> "$work/tw.wall"
      read -r user sys rss <<< "$(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$work/time" | tail -1)"
      echo $(( rss / 1024 )) >> "$work/tw.rss"
      awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >> "$work/tw.cpu"
    done
    results+=("$(printf '%-22s %7d %9s %9s %9s %9s %7s %8s' "Twisted DeferredList" "$n" \
      "$(median < "$work/tw.fanout")" "$(best < "$work/tw.fanout")" \
      "$(median < "$work/tw.wall")" "$(best < "$work/tw.wall")" \
      "$(median < "$work/tw.cpu")" "$(sort -n "$work/tw.rss" | tail -1)")")
    # Ours over Twisted's, medians (the targets: process time and CPU <= 1.00x at N = 1,000).
    results+=("$(printf '%-22s %7d %9s %9s %9s %9s %7s %8s' "  ours / Twisted" "$n" \
      "$(ratio "${ours_med[0]}" "$(median < "$work/tw.fanout")")" "" \
      "$(ratio "${ours_med[1]}" "$(median < "$work/tw.wall")")" "" \
      "$(ratio "${ours_med[2]}" "$(median < "$work/tw.cpu")")" "$(ratio "${ours_med[3]}" "$(sort -n "$work/tw.rss" | tail -1)")")")
  fi

  # The machine's floor: the C load generator (one thread, epoll, no start-up) opening the same N
  # connections at once to one of the server's ports and reading each to its close. No client on
  # this box can beat its fan-out time; the server shares the 2 cores with it, as with the others.
  : > "$work/c.fanout"
  for run in $(seq "$runs"); do
    echo "C epoll floor (loadgen), N=$n, run $run..." >&2
    "$loadgen" --mode poem --target "127.0.0.1:${ports[0]}" --concurrency "$n" --count "$n" --expect-bytes 3000 --timeout 10 > "$work/c.out" \
      || { echo "loadgen failed" >&2; exit 1; }
    grep -q "completed=$n errors=0 " "$work/c.out" || { echo "loadgen: not every connection completed: $(cat "$work/c.out")" >&2; exit 1; }
    sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$work/c.out" >> "$work/c.fanout"
  done
  results+=("$(printf '%-22s %7d %9s %9s %9s %9s %7s %8s' "C epoll floor" "$n" "$(median < "$work/c.fanout")" "$(best < "$work/c.fanout")" "-" "-" "-" "-")")

  # The .NET floor: the same N addresses with plain async sockets, connects from 1 and from 2 threads,
  # and the best variant of stop 19 (run-floor-probe.sh): connects from 16 threads, with poetry-node's
  # own runtime knobs (pool workers that do not spin, tier-1 recompilation delayed, no TieredPGO).
  for variant in tasks tasks2 threads16; do
    envs=(DOTNET_NOLOGO=1)
    [ "$variant" = threads16 ] && envs+=(DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 DOTNET_TC_CallCountingDelayMs=1000 DOTNET_TieredPGO=0)
    : > "$work/net.fanout"; : > "$work/net.cpu"; : > "$work/net.rss"
    for run in $(seq "$runs"); do
      echo ".NET floor ($variant), N=$n, run $run..." >&2
      /usr/bin/time -f "%U %S %M" -o "$work/time" env "${envs[@]}" "$floor_probe" --variant "$variant" --count "$n" "${ports[@]}" > "$work/net.out" \
        || { echo "the .NET floor probe failed: $(cat "$work/net.out")" >&2; exit 1; }
      sed -n 's/.* fanout_s=\([0-9.]*\) .*/\1/p' "$work/net.out" >> "$work/net.fanout"
      read -r user sys rss <<< "$(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$work/time" | tail -1)"
      echo $(( rss / 1024 )) >> "$work/net.rss"
      awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >> "$work/net.cpu"
    done
    floor_label=".NET floor (1 thread)"
    [ "$variant" = tasks2 ] && floor_label=".NET floor (2 threads)"
    [ "$variant" = threads16 ] && floor_label=".NET floor (16, knobs)"
    results+=("$(printf '%-22s %7d %9s %9s %9s %9s %7s %8s' "$floor_label" "$n" "$(median < "$work/net.fanout")" "$(best < "$work/net.fanout")" "-" "-" "$(median < "$work/net.cpu")" "$(sort -n "$work/net.rss" | tail -1)")")
  done
  results+=("$(printf '%-22s %7d %9s %9s %9s %9s %7s %8s' "  ours / floor" "$n" "$(ratio "${ours_med[0]}" "$(median < "$work/c.fanout")")" "" "" "" "" "")")
done

echo
echo "Fan-out: N downloads at once, server waits 1 s per connection then sends 3,000 bytes (ideal 1.00 s)"
echo "$runs runs each; every outcome checked correct and in request order; times in seconds"
echo "load average before the run: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %7s %9s %9s %9s %9s %7s %8s\n' "client" "N" "fan-out" "(best)" "process" "(best)" "CPU s" "RSS MB"
printf '%s\n' "${results[@]}"
