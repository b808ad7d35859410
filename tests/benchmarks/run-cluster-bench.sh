#!/usr/bin/env bash
# The cluster's figures in one run (see tests/benchmarks/README.md): a member's start to its
# services in the others' catalog (beside the same deployment started without a cluster, to its
# first poem: the process start), a SIGKILLed member's services leaving the catalog and its
# entry removed, get --cluster --poem of N poems against get of the same endpoints (the
# baseline, in the same run, --get-runs pairs a round), and the catalog's convergence time and
# memory with 0 (the baseline), 1,000 and 10,000 services on three members. Prints a table on
# stdout; --trace prints the new member's log lines, timed from its start, on stderr.
#   tests/benchmarks/run-cluster-bench.sh [--rounds N] [--poems N] [--get-runs N] [--services "0 1000 10000"] [--trace] [--no-build]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=1; args=()
while [ $# -gt 0 ]; do
    case $1 in
        --no-build) build=0; shift ;;
        --rounds|--poems|--services|--get-runs) args+=("$1" "$2"); shift 2 ;;
        --trace) args+=("$1"); shift ;;
        -h|--help) sed -n 2,9p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
if [ $build = 1 ]; then
    dotnet build -c Release -nologo -v q "$repo/src/PoetryNode" >/dev/null
    dotnet build -c Release -nologo -v q "$here/ClusterBench" >/dev/null
fi
exec dotnet "$here/ClusterBench/bin/Release/net10.0/ClusterBench.dll" "$repo" "${args[@]}"
