#!/usr/bin/env bash
# The .NET floor's variants side by side (issue 11, stop 19): FloorProbe's --variant rows and the C
# epoll client, interleaved round by round against one fan-out server, N connections at once.
#
# Usage: tests/benchmarks/fanout/run-floor-probe.sh [--rounds R] [--variants "V..."] [N]
#   N           connections at once (default 10000)
#   --rounds R  rounds; each round runs every variant once, in the same order (default 3)
#   --variants  FloorProbe variants (default: every one; fanout-floor-probe --help lists them),
#               plus "c" for the C epoll client (tests/benchmarks/loadgen.c); a suffix "+inline" runs
#               the variant with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (continuations on the
#               epoll thread), "+engines2" with DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT=2 (two epoll
#               threads), "+nospin" with DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 (idle pool
#               workers sleep at once instead of spinning in sched_yield), "+notier" with
#               DOTNET_TieredCompilation=0 (no tier-1 recompilation during the run), "+node" with
#               poetry-node's own runtime knobs (src/PoetryNode/PoetryNode.csproj: spin limit 0,
#               call-counting delay 1000 ms, TieredPGO off); knobs combine (tasks2+nospin+notier);
#               default: every variant but ports2 (it binds the fixed ports 20000+i, which
#               may be taken on a shared machine: ask for it by name); "layer:V" runs LayerProbe's
#               variant V instead (poetry-node get's own layers in one process: layer:actors,
#               layer:actors16, layer:fetcher, layer:fetcher2, layer:fetcher16; knobs as above,
#               e.g. layer:actors+node; not in the default set)
#
# Prints, per variant, the medians and ranges of the fan-out (from just before the first socket is
# created to the last close, inside the process), the first-to-last connect span, and CPU s and
# peak RSS of the process, the server's CPU s during the run; and the load average before and after. Not a test: nothing fails on speed.
set -euo pipefail
cd "$(dirname "$0")/../../.."

rounds=3
n=10000
variants="c tasks tasks2 tasks-premade tasks2-premade saea saea2 threads4 threads16 vtask2 nodelay2 linger2 noport2 slab2 minthreads2 blocking blocking2 nonblock2 nbpoll2 tasks2+inline tasks2+engines2 tasks2+nospin tasks2+notier tasks2+node threads16+node linger16+node threads16+node+inline"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --variants) variants="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) n="$1"; shift ;;
  esac
done

source tests/benchmarks/fanout/fanout-lib.sh
build_fanout_tools
probe=$floor_probe
start_fanout_server

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# server_cpu: the fan-out server's user + system CPU seconds so far (/proc/PID/stat, clock ticks).
clk_tck=$(getconf CLK_TCK)
server_cpu() { awk -v t="$clk_tck" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$server_pid/stat"; }
for round in $(seq "$rounds"); do
  for v in $variants; do
    echo "round $round: $v, N=$n..." >&2
    server_before=$(server_cpu)
    if [ "$v" = c ]; then
      "$loadgen" --mode poem --target "127.0.0.1:${ports[0]}" --concurrency "$n" --count "$n" --expect-bytes 3000 --timeout 10 > "$work/out" \
        || { echo "loadgen failed" >&2; exit 1; }
      grep -q "completed=$n errors=0 " "$work/out" || { echo "loadgen: not every connection completed: $(cat "$work/out")" >&2; exit 1; }
      sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$work/out" >> "$work/$v.fanout"
      echo "-" >> "$work/$v.span"; echo "-" >> "$work/$v.cpu"; echo "-" >> "$work/$v.rss"
      awk -v a="$server_before" -v b="$(server_cpu)" 'BEGIN { printf "%.2f\n", b - a }' >> "$work/$v.server"
      continue
    fi
    envs=(DOTNET_NOLOGO=1)
    IFS=+ read -r -a knobs <<< "$v"
    for knob in "${knobs[@]:1}"; do
      case "$knob" in
        inline) envs+=(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1) ;;
        engines2) envs+=(DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT=2) ;;
        nospin) envs+=(DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0) ;;
        notier) envs+=(DOTNET_TieredCompilation=0) ;;
        node) envs+=(DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 DOTNET_TC_CallCountingDelayMs=1000 DOTNET_TieredPGO=0) ;;
        *) echo "unknown knob +$knob" >&2; exit 2 ;;
      esac
    done
    base=${v%%+*}
    tool=$probe
    if [[ "$base" == layer:* ]]; then tool=$layer_probe; base=${base#layer:}; fi
    /usr/bin/time -f "%U %S %M" -o "$work/time" env "${envs[@]}" "$tool" --variant "$base" --count "$n" "${ports[@]}" > "$work/out" \
      || { echo "the probe's $v failed: $(cat "$work/out")" >&2; exit 1; }
    sed -n 's/.* fanout_s=\([0-9.]*\) .*/\1/p' "$work/out" >> "$work/$v.fanout"
    # LayerProbe cannot see inside the fetch: no connect span.
    grep -q ' first_to_last_connect_s=' "$work/out" || echo "-" >> "$work/$v.span"
    sed -n 's/.* first_to_last_connect_s=\([0-9.]*\) .*/\1/p' "$work/out" >> "$work/$v.span"
    read -r user sys rss <<< "$(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$work/time" | tail -1)"
    awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >> "$work/$v.cpu"
    echo $(( rss / 1024 )) >> "$work/$v.rss"
    awk -v a="$server_before" -v b="$(server_cpu)" 'BEGIN { printf "%.2f\n", b - a }' >> "$work/$v.server"
  done
done

# summary FILE: "median (min-max)"
summary() {
  grep -v '^-$' "$1" | sort -n | awk '{a[NR]=$1} END {
    if (NR == 0) { print "-"; exit }
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    printf "%s (%s-%s)\n", m, a[1], a[NR] }'
}

echo
echo "The .NET floor's variants, N=$n at once, $rounds interleaved rounds; medians (range); times in s"
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %-22s %-22s %-18s %-18s %s\n' variant fan-out "first-to-last connect" "CPU s" "server CPU s" "RSS MB"
for v in $variants; do
  printf '%-28s %-22s %-22s %-18s %-18s %s\n' "$v" "$(summary "$work/$v.fanout")" "$(summary "$work/$v.span")" \
    "$(summary "$work/$v.cpu")" "$(summary "$work/$v.server")" "$(summary "$work/$v.rss")"
done
