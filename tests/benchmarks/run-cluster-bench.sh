#!/usr/bin/env bash
# The cluster's figures in one run (see tests/benchmarks/README.md): a member's start to its
# services in the others' catalog (beside the same deployment started without a cluster, to its
# first poem: the process start), a SIGKILLed member's services leaving the catalog and its
# entry removed, get --cluster --poem of N poems against get of the same endpoints (the
# baseline, in the same run, --get-runs pairs a round), and the catalog's convergence time and
# memory with 0 (the baseline), 1,000 and 10,000 services on three members. Prints a table on
# stdout; --trace prints the new member's log lines, timed from its start, on stderr.
# get --cluster --poem runs twice beside the baseline: asking a member's remoting (HOST:PORT,
# the cluster client's way) and its status endpoint (http://HOST:PORT, no remoting), each for
# 1 and N poems, with the ratios. --lookup-only leaves out the kill and the catalog's scale
# (about a minute for 3 rounds); --published runs a ReadyToRun poetry-node published into a
# temporary directory (dotnet publish -r linux-x64, a minute more); --probe adds where a lookup's
# fixed cost goes in a fresh process, phase by phase (tests/benchmarks/cluster/LookupProbe).
#   tests/benchmarks/run-cluster-bench.sh [--rounds N] [--poems N] [--get-runs N] [--services "0 1000 10000"]
#       [--lookup-only] [--published] [--probe] [--trace] [--no-build]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=1; published=0; probe=0; args=()
while [ $# -gt 0 ]; do
    case $1 in
        --no-build) build=0; shift ;;
        --rounds|--poems|--services|--get-runs) args+=("$1" "$2"); shift 2 ;;
        --trace|--lookup-only) args+=("$1"); shift ;;
        --published) published=1; shift ;;
        --probe) probe=1; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
if [ $build = 1 ]; then
    dotnet build -c Release -nologo -v q "$repo/src/PoetryNode" >/dev/null
    dotnet build -c Release -nologo -v q "$here/ClusterBench" >/dev/null
    if [ $probe = 1 ]; then dotnet build -c Release -nologo -v q "$here/cluster/LookupProbe" >/dev/null; fi
fi
if [ $probe = 1 ]; then args+=(--probe "$here/cluster/LookupProbe/bin/Release/net10.0/LookupProbe.dll"); fi
if [ $published = 1 ]; then
    out=$(mktemp -d -t poetry-node-r2r-XXXXXX)
    trap 'rm -rf "$out"' EXIT
    dotnet publish -c Release -r linux-x64 -p:PublishReadyToRun=true -nologo -v q -o "$out" "$repo/src/PoetryNode" >/dev/null
    args+=(--node "$out/poetry-node")
    # Not exec: the trap removes the published copy afterwards.
    dotnet "$here/ClusterBench/bin/Release/net10.0/ClusterBench.dll" "$repo" "${args[@]}"
    exit $?
fi
exec dotnet "$here/ClusterBench/bin/Release/net10.0/ClusterBench.dll" "$repo" "${args[@]}"
