#!/usr/bin/env bash
# Where the time of one `poetry-node get` fan-out goes: the kernel's tracepoints of its socket,
# connect and recvfrom calls (perf record), printed as a timeline from the start of the fan-out
# (the last receive minus the get's own summary.elapsed_ms), with the threads that connected.
#
# Usage: tests/benchmarks/fanout/run-get-timeline.sh [--runs R] [--r2r] [--variant "LABEL|ENV|OPTS"]... [N]
#   N          downloads at once (default 10000), against run-fanout-bench.sh's fan-out server
#   --runs R   runs of each variant, interleaved (default 3)
#   --r2r      the published ReadyToRun build (as run-fanout-bench.sh --r2r), else the Release dll
#   --variant  a way to run get: LABEL, environment assignments (VAR=value ...) and get options,
#              e.g. "dispatcher16||--config my.conf" or "noquickjit|DOTNET_TC_QuickJit=0|";
#              default the one variant "main||"
# Needs perf (linux-perf) and root, or a perf_event_paranoid that allows tracepoints.
set -euo pipefail
cd "$(dirname "$0")/../../.."

runs=3
r2r=false
n=10000
variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --r2r) r2r=true; shift ;;
    --variant) variants+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) n="$1"; shift ;;
  esac
done
[ ${#variants[@]} -gt 0 ] || variants=("main||")
command -v perf > /dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }

source tests/benchmarks/fanout/fanout-lib.sh
build_fanout_tools
build_client "$r2r"
start_fanout_server
mapfile -t addresses < <(addresses "$n")

echo "N=$n, $runs runs of each variant; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "seconds from the start of the fan-out: first, 1,000th, 5,000th and last connect; last receive; fan-out"
for run in $(seq "$runs"); do
  for variant in "${variants[@]}"; do
    IFS='|' read -r label envs opts <<< "$variant"
    read -r -a env_args <<< "$envs"
    read -r -a get_args <<< "$opts"
    perf record -q -o "$work/perf.data" \
      -e syscalls:sys_enter_socket,syscalls:sys_enter_connect,syscalls:sys_enter_recvfrom -- \
      env "${env_args[@]}" "$client" get --json "${get_args[@]}" "${addresses[@]}" > "$work/out.json" 2> "$work/err" \
      || { echo "$label: get failed: $(head -3 "$work/err")" >&2; exit 1; }
    perf script -i "$work/perf.data" -F comm,tid,time,event 2> /dev/null > "$work/trace.txt"
    /usr/bin/python3 - "$run" "$label" "$work/trace.txt" "$work/out.json" <<'PY'
import collections, json, re, sys
run, label, trace, report = sys.argv[1:]
times = collections.defaultdict(list)
threads = collections.Counter()
for line in open(trace):
    m = re.match(r"\s*(.*?)\s+\d+\s+([0-9.]+):\s+syscalls:sys_enter_(\w+):", line)
    if not m:
        continue
    comm, t, call = m.group(1), float(m.group(2)), m.group(3)
    times[call].append(t)
    if call == "connect":
        threads[comm] += 1
doc = json.load(open(report))
bad = sum(1 for p in doc["poems"] if p["outcome"] != "downloaded")
elapsed = doc["summary"]["elapsed_ms"] / 1000
end = max(times["recvfrom"])
start = end - elapsed
c = sorted(times["connect"])
at = lambda k: c[min(k, len(c)) - 1] - start
print("%s %-14s connects %.3f %.3f %.3f %.3f  last receive %.3f  fan-out %.3f  failed %d  connecting threads: %s" % (
    run, label, at(1), at(1000), at(5000), at(len(c)), end - start, elapsed, bad,
    ", ".join("%s %d" % kv for kv in threads.most_common(3))))
PY
  done
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
