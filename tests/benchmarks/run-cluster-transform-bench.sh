#!/usr/bin/env bash
# Cluster transform benchmark: the same poems transformed through the cluster's transform
# providers (get --cluster --poem ... --transform cummingsify: each poem in parts to a transform
# service as an actor, over Akka remoting) and over TCP to that transform server directly
# (get --cluster --poem ... --xform ADDR: one netstring connection per poem), side by side in
# one run. Both fetch the same poems by name from the same member, so the difference is the
# transform's path. Figures come from get's --json (summary elapsed_ms, per-poem
# timings_ms.transform), so process start-up is left out.
#
#   tests/benchmarks/run-cluster-transform-bench.sh [--poems N] [--rounds R] [--no-build]
#
# It reports, per round and as the median: transforms/s both ways and their ratio (target
# >= 0.8x), the transform latency p50 and p99 both ways (the hop's added latency is the
# difference), and, with a second transform member, the time from SIGKILL of one provider to
# the moment get's router drops it (every request after that goes to the other one).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

POEMS=${BENCH_POEMS:-1000}
ROUNDS=${BENCH_ROUNDS:-3}
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --poems) POEMS=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --no-build) NO_BUILD=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) log "unknown option: $1 (try --help)"; exit 2 ;;
    esac
    shift
done

log "building poetry-node"
build_ours || { log "poetry-node cannot be built; see $WORK/ours-build.log"; exit 1; }
NODE=(dotnet "$OURS_DLL")

# member NAME CLUSTER_PORT SEED_PORT ROLE SERVICE_LINE: a deployment file for one member.
member() {
    cat >"$WORK/$1.hocon" <<HOCON
poetry.node.services = [ $5 ]
poetry.cluster {
  hostname = 127.0.0.1
  port = $2
  seed-nodes = ["127.0.0.1:$3"]
  roles = [$4]
  failure-detector.acceptable-heartbeat-pause = 3s
  split-brain.stable-after = 7s
}
akka.loglevel = WARNING
HOCON
}

P_CLUSTER=$(free_port); P_POEM=$(free_port)
T1_CLUSTER=$(free_port); T1_XFORM=$(free_port)
T2_CLUSTER=$(free_port); T2_XFORM=$(free_port)
member poems "$P_CLUSTER" "$P_CLUSTER" "" "{ name = ecstasy, kind = fastpoetry, poem = \"$REPO/poetry/ecstasy.txt\", port = $P_POEM, iface = 127.0.0.1 }"
member t1 "$T1_CLUSTER" "$P_CLUSTER" transform "{ name = xform, kind = transform, port = $T1_XFORM, iface = 127.0.0.1 }"
member t2 "$T2_CLUSTER" "$P_CLUSTER" transform "{ name = xform, kind = transform, port = $T2_XFORM, iface = 127.0.0.1 }"

start_server poems "$P_POEM" "${NODE[@]}" --pidfile= run "$WORK/poems.hocon"
start_server t1 "$T1_XFORM" "${NODE[@]}" --pidfile= run "$WORK/t1.hocon"; T1_PID=$SERVER_PID
CONTACT=127.0.0.1:$P_CLUSTER

# wait_transforms N: until the catalog lists N transform services.
wait_transforms() {
    local deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        n=$("${NODE[@]}" catalog --cluster "$CONTACT" --json --timeout 5s 2>/dev/null \
            | "$PY" -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin)["services"] if s["kind"] == "transform"))' 2>/dev/null || echo 0)
        [ "$n" = "$1" ] && return 0
        sleep 0.5
    done
    log "the catalog never listed $1 transform services"; return 1
}
wait_transforms 1

NAMES=()
for _ in $(seq "$POEMS"); do NAMES+=(--poem ecstasy); done

# run_get OUT ARGS...: one get --json, its document in OUT.
run_get() {
    local out=$1; shift
    "${NODE[@]}" get --cluster "$CONTACT" "${NAMES[@]}" "$@" --json >"$out" 2>"$out.err" || true
}

SUMMARY=$WORK/summary.py
cat >"$SUMMARY" <<'PY'
import json, sys, statistics
def stats(path):
    d = json.load(open(path))
    poems = d.get("poems") or d.get("results") or [v for k, v in d.items() if isinstance(v, list)][0]
    applied = [p for p in poems if (p.get("transform") or {}).get("outcome", (p.get("transform") or {}).get("status")) == "applied"]
    t = sorted(p["timings_ms"]["transform"] for p in poems if p.get("timings_ms"))
    pct = lambda q: t[min(len(t) - 1, int(q * len(t)))] if t else float("nan")
    elapsed = d["summary"]["elapsed_ms"]
    return dict(n=len(poems), applied=len(applied), rate=len(poems) / (elapsed / 1000.0), p50=pct(0.5), p99=pct(0.99))
cluster, tcp = stats(sys.argv[1]), stats(sys.argv[2])
print("%d\t%d/%d\t%.0f\t%.0f\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f" % (int(sys.argv[3]), cluster["applied"], tcp["applied"], cluster["rate"], tcp["rate"],
      cluster["rate"] / tcp["rate"], cluster["p50"], tcp["p50"], cluster["p99"], tcp["p99"]))
PY

log "warm-up"
run_get "$WORK/warm-cluster.json" --transform cummingsify
run_get "$WORK/warm-tcp.json" --xform "127.0.0.1:$T1_XFORM"

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%s poems of ecstasy.txt per get, one transform provider\n' "$POEMS"
printf 'round\tapplied(cluster/tcp)\tcluster/s\ttcp/s\tratio\tp50 cluster ms\tp50 tcp ms\tp99 cluster ms\tp99 tcp ms\n'
for r in $(seq "$ROUNDS"); do
    run_get "$WORK/cluster-$r.json" --transform cummingsify
    run_get "$WORK/tcp-$r.json" --xform "127.0.0.1:$T1_XFORM"
    "$PY" "$SUMMARY" "$WORK/cluster-$r.json" "$WORK/tcp-$r.json" "$r"
done | tee "$WORK/rounds.tsv"
"$PY" - "$WORK/rounds.tsv" <<'PY'
import sys, statistics
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
col = lambda i: statistics.median(float(r[i]) for r in rows)
print("median\t-\t%.0f\t%.0f\t%.2fx\t%.1f\t%.1f\t%.1f\t%.1f" % (col(2), col(3), col(4), col(5), col(6), col(7), col(8)))
print("hop's added latency (median of rounds): p50 %+.1f ms, p99 %+.1f ms" % (col(5) - col(6), col(7) - col(8)))
PY

log "failover: a second transform member, then SIGKILL of the first in the middle of a get"
start_server t2 "$T2_XFORM" "${NODE[@]}" --pidfile= run "$WORK/t2.hocon"
wait_transforms 2
FAIL_NAMES=()
for _ in $(seq $((POEMS * 10))); do FAIL_NAMES+=(--poem ecstasy); done
"${NODE[@]}" get --cluster "$CONTACT" "${FAIL_NAMES[@]}" --transform cummingsify --json >"$WORK/failover.json" 2>"$WORK/failover.err" &
GET_PID=$!
BENCH_PIDS+=("$GET_PID")
# Until the get has connected to the first provider's remoting port (its router is sending there).
"$PY" - "$T1_CLUSTER" <<'PY'
import sys, time
port = int(sys.argv[1]); end = time.time() + 60
def established():
    n = 0
    for line in open("/proc/net/tcp").readlines()[1:]:
        f = line.split()
        if f[3] == "01" and int(f[2].split(":")[1], 16) == port: n += 1
    return n
base = established()
while established() <= base + 0 and time.time() < end: time.sleep(0.02)
PY
KILLED_AT=$(date +%s.%N)
kill -KILL "$T1_PID"
wait "$GET_PID" 2>/dev/null || true
forget_pid "$GET_PID"
"$PY" - "$WORK/failover.err" "$KILLED_AT" "$WORK/failover.json" <<'PY'
import sys, json, datetime
killed = float(sys.argv[2])
went = [l for l in open(sys.argv[1]) if "went away" in l]
if not went:
    print("failover: the router never saw the provider go (the get may have finished before the kill)"); sys.exit(0)
stamp = datetime.datetime.strptime(went[0][:23], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
d = json.load(open(sys.argv[3]))
poems = [v for k, v in d.items() if isinstance(v, list)][0]
failed = sum(1 for p in poems if (p.get("transform") or {}).get("error"))
print("failover: the router dropped the killed provider %.0f ms after SIGKILL; %d of %d transforms fell back (in flight there), the rest went to a live provider" % ((stamp - killed) * 1000, failed, len(poems)))
PY
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
