#!/usr/bin/env bash
# The cluster's scaling figures for docs/scaling.md, in one command:
#   tests/benchmarks/cluster/run-cluster-scale-bench.sh [--members 3,6,12] [--services 1000,10000] [--rounds 1]
#       [--deadline 1200] [--formation-rounds 3]
# 1. Catalog convergence and memory: M members in one process (ClusterScale/), S services spread
#    over them, time from the first publication to the first, median and last member listing all
#    S, and the CPU seconds all M members spent meanwhile (what the box's other load does not
#    inflate). A row that does not converge within --deadline seconds says so. About 1-2 minutes
#    for the defaults on a quiet 2-core box, formation rounds included.
# 2. Formation: three cold `poetry-node run` processes to one cluster, through Cluster Bootstrap
#    (hocon/cluster/bootstrap-node*.hocon) beside the same with fixed seed nodes
#    (hocon/cluster/node*.hocon) in the same run; each example's ports rewritten to free ones.
# Not a test: figures only. Every process it starts is killed (by pid) on exit.
set -uo pipefail
source "$(dirname "$0")/../bench-lib.sh"

MEMBERS=3,6,12; SERVICES=1000,10000; ROUNDS=1; DEADLINE=1200; FORMATION_ROUNDS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --members) MEMBERS=$2; shift 2 ;;
        --services) SERVICES=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --deadline) DEADLINE=$2; shift 2 ;;
        --formation-rounds) FORMATION_ROUNDS=$2; shift 2 ;;
        *) echo "usage: $0 [--members 3,6,12] [--services 1000,10000] [--rounds N] [--deadline SECONDS] [--formation-rounds N]" >&2; exit 2 ;;
    esac
done

SCALE=$BENCH_DIR/cluster/ClusterScale
log "building ClusterScale and poetry-node (Release)..."
dotnet build -c Release -nologo -v quiet "$SCALE/ClusterScale.csproj" >"$WORK/scale-build.log" 2>&1 || { cat "$WORK/scale-build.log" >&2; exit 1; }
build_ours || { cat "$WORK/ours-build.log" >&2; exit 1; }

echo "## catalog convergence and memory (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
# Rows as they come (no column: a long run shows progress); Akka's shutdown chatter to a file.
dotnet "$SCALE/bin/Release/net10.0/ClusterScale.dll" "$MEMBERS" "$SERVICES" "$ROUNDS" "$DEADLINE" 2>"$WORK/scale.log" | grep --line-buffered -E '^(members|[0-9]|# )'
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# form KIND FILE... : starts one node per file (ports rewritten), prints the seconds until every
# node logged that it joined, and stops them.
form() {
    local kind=$1; shift
    local files=("$@") pids=() logs=() sed_args=() i port
    # Every port an example names gets a free one, consistently across the three files.
    for port in $(grep -ohE '\b(4[0-9]{3}|8[0-9]{3}|11[0-9]{3})\b' "${files[@]}" | sort -u); do
        sed_args+=(-e "s/\\b$port\\b/$(free_port)/g")
    done
    local start end
    start=$(date +%s.%N)
    for i in "${!files[@]}"; do
        sed "${sed_args[@]}" "${files[$i]}" > "$WORK/$kind-$i.hocon"
        logs[$i]=$WORK/$kind-$i.log
        (cd "$REPO" && exec dotnet "$OURS_DLL" --pidfile= run "$WORK/$kind-$i.hocon") >"${logs[$i]}" 2>&1 &
        pids[$i]=$!; BENCH_PIDS+=("$!")
    done
    local deadline=$(( $(date +%s) + 180 ))
    while :; do
        local joined=0
        for i in "${!files[@]}"; do grep -qs 'joined the cluster as' "${logs[$i]}" && joined=$((joined + 1)); done
        [ "$joined" = "${#files[@]}" ] && break
        [ "$(date +%s)" -gt "$deadline" ] && { echo "timeout"; kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null; return; }
        sleep 0.1
    done
    end=$(date +%s.%N)
    kill -TERM "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
    echo "$end - $start" | bc
}

echo
echo "## three cold starts to one cluster, seconds (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
printf 'round\tseed_nodes_s\tbootstrap_s\tratio\n'
for round in $(seq 1 "$FORMATION_ROUNDS"); do
    seeds=$(form seeds "$REPO"/hocon/cluster/node{1,2,3}.hocon)
    boot=$(form bootstrap "$REPO"/hocon/cluster/bootstrap-node{1,2,3}.hocon)
    ratio=$(echo "scale=2; $boot / $seeds" | bc 2>/dev/null || echo "-")
    printf '%s\t%s\t%s\t%s\n' "$round" "$seeds" "$boot" "$ratio"
done | column -t -s $'\t'
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
