#!/usr/bin/env bash
# Cluster transform benchmark: the same poems transformed through the cluster's transform
# providers (get --cluster --poem ... --transform cummingsify: poems to a transform service as an
# actor over Akka remoting, a burst packed into few messages) and over TCP to that transform
# server directly (get --cluster --poem ... --xform ADDR: one netstring connection per poem), side
# by side, alternating, in one run. Both fetch the same poems by name from the same member, so the
# difference is the transform's path. Every figure comes from get's --json.
#
#   tests/benchmarks/run-cluster-transform-bench.sh [--poems N] [--rounds R] [--failover-rounds F] [--profile] [--no-build]
#
# Per round and as the median of the rounds:
#   get/s      poems per second of the whole get (summary elapsed_ms): the catalog query, the
#              client's first connections and the start of its actor system are in it, the same
#              for both paths, so this ratio is pulled towards 1;
#   phase/s    poems per second from the downloads' start to the last poem settled (N / the
#              largest per-poem timings_ms.total: every download starts at once), the start-up
#              left out; its ratio is the one the 0.8x target is judged on;
#   p50, p99   of each poem's transform step (timings_ms.transform), both ways: the hop's added
#              latency is the difference;
#   load       the 1-minute load average when the round ended.
# Failover (a second transform member, then SIGKILL of one provider once a twentieth of a get's
# 4 x N poems have settled, --failover-rounds times, a fresh member each round): from get's debug log, the
# time from SIGKILL to the first request routed to the survivor, to the last one routed to the
# killed provider, and to the router dropping it (after which every request goes to the live
# one); how many transforms fell back (in flight at the killed one) and that every poem was printed.
# --profile also runs tests/benchmarks/cluster/TransformHop (the hop piece by piece in one process).
# About 2 minutes with the defaults on a quiet 2-core box.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

POEMS=${BENCH_POEMS:-2000}
ROUNDS=${BENCH_ROUNDS:-5}
FAILOVER_ROUNDS=3
PROFILE=0
NO_BUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --poems) POEMS=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --failover-rounds) FAILOVER_ROUNDS=$2; shift ;;
        --profile) PROFILE=1 ;;
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

# wait_transforms N [PORT...]: until the catalog lists N transform services (exactly those on
# PORTs, when given: a killed member's entry must be gone and a new one's there).
wait_transforms() {
    local want=$1; shift
    local ports="$*" deadline=$((SECONDS + 120)) got
    while [ $SECONDS -lt $deadline ]; do
        got=$("${NODE[@]}" catalog --cluster "$CONTACT" --json --timeout 5s 2>/dev/null \
            | "$PY" -c 'import json,sys; print(" ".join(sorted(s["endpoint"].rsplit(":", 1)[1] for s in json.load(sys.stdin)["services"] if s["kind"] == "transform")))' 2>/dev/null || true)
        if [ "$(wc -w <<<"$got")" = "$want" ] && { [ -z "$ports" ] || [ "$got" = "$(tr ' ' '\n' <<<"$ports" | sort | xargs)" ]; }; then
            return 0
        fi
        sleep 0.5
    done
    log "the catalog never listed $want transform services${ports:+ on ports $ports} (it lists: ${got:-none})"; return 1
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
import json, sys
def stats(path):
    d = json.load(open(path))
    poems = d["poems"]
    applied = sum(1 for p in poems if (p.get("transform") or {}).get("outcome") == "applied")
    t = sorted(p["timings_ms"]["transform"] for p in poems if "transform" in (p.get("timings_ms") or {}))
    pct = lambda q: t[min(len(t) - 1, int(q * len(t)))] if t else float("nan")
    phase = max((p["timings_ms"].get("total") or 0) for p in poems)
    elapsed = d["summary"]["elapsed_ms"]
    return dict(n=len(poems), applied=applied, rate=len(poems) / (elapsed / 1000.0), phase=len(poems) / (phase / 1000.0), p50=pct(0.5), p99=pct(0.99))
c, t = stats(sys.argv[1]), stats(sys.argv[2])
load = open("/proc/loadavg").read().split()[0]
print("%s\t%d/%d\t%.0f\t%.0f\t%.2f\t%.0f\t%.0f\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%s" % (sys.argv[3], c["applied"], t["applied"], c["rate"], t["rate"], c["rate"] / t["rate"],
      c["phase"], t["phase"], c["phase"] / t["phase"], c["p50"], t["p50"], c["p99"], t["p99"], load))
PY

if [ "$ROUNDS" -gt 0 ]; then
log "warm-up"
run_get "$WORK/warm-cluster.json" --transform cummingsify
run_get "$WORK/warm-tcp.json" --xform "127.0.0.1:$T1_XFORM"

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%s poems of ecstasy.txt per get, one transform provider; cluster = --transform through the cluster, tcp = --xform\n' "$POEMS"
printf 'round\tapplied(cluster/tcp)\tget/s cluster\tget/s tcp\tget ratio\tphase/s cluster\tphase/s tcp\tphase ratio\tp50 cluster ms\tp50 tcp ms\tp99 cluster ms\tp99 tcp ms\tload\n'
for r in $(seq "$ROUNDS"); do
    # Alternate which path goes first, so neither always meets the other's leftovers.
    if [ $((r % 2)) = 1 ]; then
        run_get "$WORK/cluster-$r.json" --transform cummingsify
        run_get "$WORK/tcp-$r.json" --xform "127.0.0.1:$T1_XFORM"
    else
        run_get "$WORK/tcp-$r.json" --xform "127.0.0.1:$T1_XFORM"
        run_get "$WORK/cluster-$r.json" --transform cummingsify
    fi
    "$PY" "$SUMMARY" "$WORK/cluster-$r.json" "$WORK/tcp-$r.json" "$r"
    # A round where some transform fell back is kept for a look (the work folder goes at exit).
    if grep -q '"outcome": "failed"' "$WORK/cluster-$r.json" "$WORK/tcp-$r.json"; then
        kept=$(mktemp -d "${TMPDIR:-/tmp}/poetry-cluster-transform-round.XXXXXX")
        cp "$WORK"/cluster-"$r".json* "$WORK"/tcp-"$r".json* "$WORK"/*.log "$kept"/ 2>/dev/null || true
        log "round $r: some transforms fell back; its documents and the members' logs are in $kept"
    fi
done | tee "$WORK/rounds.tsv"
"$PY" - "$WORK/rounds.tsv" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
col = lambda i: statistics.median(float(r[i]) for r in rows)
print("median\t-\t%.0f\t%.0f\t%.2fx\t%.0f\t%.0f\t%.2fx\t%.1f\t%.1f\t%.1f\t%.1f\t%s" % (col(2), col(3), col(4), col(5), col(6), col(7), col(8), col(9), col(10), col(11), col(12)))
print("phase ratio over the rounds: min %.2fx, max %.2fx" % (min(float(r[7]) for r in rows), max(float(r[7]) for r in rows)))
print("hop's added latency (median of rounds): p50 %+.1f ms, p99 %+.1f ms" % (col(8) - col(9), col(10) - col(11)))
PY
fi

log "failover: a second transform member, then SIGKILL of the first while a get's transforms flow"
start_server t2 "$T2_XFORM" "${NODE[@]}" --pidfile= run "$WORK/t2.hocon"
wait_transforms 2 "$T1_XFORM" "$T2_XFORM"
# settled FILE: how many poems a get logging at debug level has settled so far.
settled() { local n; n=$(grep -c ' settled: ' "$1" 2>/dev/null); echo "${n:-0}"; }
# Four times the poems, at most 100 downloads in flight: a stream long enough that the kill lands in
# its middle although get's debug lines (the trigger) reach the file late on a busy machine.
FAIL_NAMES=()
for _ in $(seq $((POEMS * 4))); do FAIL_NAMES+=(--poem ecstasy); done
printf '\nfailover: %s poems per get, at most 100 downloads in flight (a steady stream of transforms), two providers\n' "$((POEMS * 4))"
printf 'ms after SIGKILL:\tfirst request to the survivor\tlast request to the killed one\tkilled one dropped\n'
printf 'round\tfirst to survivor ms\tlast to killed ms\tdropped ms\tfell back\ttransformed by killed\tby survivor\tprinted\tload\n'
VICTIM_PID=$T1_PID; VICTIM_XFORM=$T1_XFORM
SURVIVOR_PID=$SERVER_PID; SURVIVOR_XFORM=$T2_XFORM
for r in $(seq "$FAILOVER_ROUNDS"); do
    # At debug level get logs each poem as it settles (transformed or not): the kill comes once a
    # tenth of them have, so transforms are flowing and most are still to come.
    "${NODE[@]}" get --cluster "$CONTACT" "${FAIL_NAMES[@]}" --transform cummingsify --max-in-flight 100 --json --loglevel debug >"$WORK/failover-$r.json" 2>"$WORK/failover-$r.err" &
    GET_PID=$!
    BENCH_PIDS+=("$GET_PID")
    deadline=$((SECONDS + 60))
    while [ "$(settled "$WORK/failover-$r.err")" -lt $((POEMS / 5)) ] && [ $SECONDS -lt $deadline ] && alive "$GET_PID"; do sleep 0.01; done
    KILLED_AT=$(date +%s.%N)
    kill -KILL "$VICTIM_PID"
    wait "$VICTIM_PID" 2>/dev/null || true
    forget_pid "$VICTIM_PID"
    wait "$GET_PID" 2>/dev/null || true
    forget_pid "$GET_PID"
    "$PY" - "$WORK/failover-$r.err" "$KILLED_AT" "$WORK/failover-$r.json" "127.0.0.1:$VICTIM_XFORM" "$r" <<'PY'
import sys, json, datetime
err, killed, doc, dead, r = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
load = open("/proc/loadavg").read().split()[0]
poems = json.load(open(doc))["poems"]
transform = lambda p: p.get("transform") or {}
fell = sum(1 for p in poems if transform(p).get("outcome") == "failed")
by_dead = sum(1 for p in poems if transform(p).get("outcome") == "applied" and transform(p).get("server") == dead)
by_live = sum(1 for p in poems if transform(p).get("outcome") == "applied" and transform(p).get("server") != dead)
printed = sum(1 for p in poems if p["outcome"] == "downloaded")
# The router's debug lines end with the UTC time of the choice ("at HH:MM:SS.ffffff"): a log line's
# own stamp is when it was written, which lags on a busy machine. The day is the kill's.
day = datetime.datetime.fromtimestamp(killed, datetime.timezone.utc).date()
def stamp(line):
    t = datetime.datetime.strptime(line.rsplit(" at ", 1)[1].strip(), "%H:%M:%S.%f").time()
    return datetime.datetime.combine(day, t, datetime.timezone.utc).timestamp()
ms = lambda t: "%.0f" % ((t - killed) * 1000) if t is not None else "-"
lines = open(err).read().splitlines()
routed = [(stamp(l), dead in l) for l in lines if " goes to transform provider " in l]
after = [(t, to_dead) for t, to_dead in routed if t >= killed]
first_live = next((t for t, to_dead in after if not to_dead), None)
last_dead = max((t for t, to_dead in after if to_dead), default=None)
went = next((stamp(l) for l in lines if " dropped at " in l and dead in l), None)
if went is None:
    print("%s\tnot seen (the get ended first)\t-\t-\t%d\t%d\t%d\t%d/%d\t%s" % (r, fell, by_dead, by_live, printed, len(poems), load)); sys.exit(0)
print("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d/%d\t%s" % (r, ms(first_live), ms(last_dead), ms(went), fell, by_dead, by_live, printed, len(poems), load))
PY
    if [ "$r" -lt "$FAILOVER_ROUNDS" ]; then
        # A fresh member (ports of its own) becomes the next round's second provider; the survivor is the next victim.
        NEXT_CLUSTER=$(free_port); NEXT_XFORM=$(free_port)
        member "t$((r + 2))" "$NEXT_CLUSTER" "$P_CLUSTER" transform "{ name = xform, kind = transform, port = $NEXT_XFORM, iface = 127.0.0.1 }"
        start_server "t$((r + 2))" "$NEXT_XFORM" "${NODE[@]}" --pidfile= run "$WORK/t$((r + 2)).hocon"
        VICTIM_PID=$SURVIVOR_PID; VICTIM_XFORM=$SURVIVOR_XFORM
        SURVIVOR_PID=$SERVER_PID; SURVIVOR_XFORM=$NEXT_XFORM
        wait_transforms 2 "$VICTIM_XFORM" "$SURVIVOR_XFORM" || break
    fi
done
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$PROFILE" = 1 ]; then
    log "profile: the hop piece by piece (tests/benchmarks/cluster/TransformHop)"
    dotnet build -c Release -nologo -v quiet "$BENCH_DIR/cluster/TransformHop/TransformHop.csproj" >"$WORK/hop-build.log" 2>&1 || { cat "$WORK/hop-build.log" >&2; exit 1; }
    printf '\n'
    dotnet "$BENCH_DIR/cluster/TransformHop/bin/Release/net10.0/TransformHop.dll" "$REPO/poetry/ecstasy.txt" "$POEMS" 3 2>/dev/null
fi
