#!/usr/bin/env bash
# Issue 11's figures in one run, each benchmark after the other, with a baseline revision built
# (and published, ReadyToRun) in a temporary worktree beside the current tree: idle RSS, CPU and
# wake-ups; memory under a 60 s soak, plain and published; the client's start; the fan-out at
# 1,000 and 10,000; the paired poem servers (against the baseline, the access log, the proxy),
# pinned; start to first poem; the pinned poem, transform and slowpoetry servers, with logging
# on as well. About 30 minutes on a quiet box; each benchmark's whole output is kept.
#   tests/benchmarks/run-issue11-figures.sh [--baseline REV] [--out DIR] [--only "STEP..."]
#   --baseline REV  the revision to compare with (default origin/main, else main)
#   --out DIR       where the logs go (default a new directory under /tmp, printed at the end)
#   --only STEPS    run only these steps: idle memory client fanout paired-base paired-log
#                   paired-proxy startup poem-pinned transform transform-log slow slow-log
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
baseline=$(git -C "$repo" rev-parse --verify -q origin/main || git -C "$repo" rev-parse main)
out=""
only=""
while [ $# -gt 0 ]; do
  case $1 in
    --baseline) baseline=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=" $2 "; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out=$(mktemp -d /tmp/issue11-figures.XXXXXX)
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

base=$(mktemp -d /tmp/issue11-baseline.XXXXXX)
trap 'git -C "$repo" worktree remove --force "$base" > /dev/null 2>&1 || true; rm -rf "$base"' EXIT
echo "building the baseline ($baseline) and the current tree..."
git -C "$repo" worktree add -q --detach "$base" "$baseline" || exit 1
dotnet build "$base/src/PoetryNode" -c Release -nologo -v q -clp:ErrorsOnly > "$out/build.log" 2>&1 \
  && dotnet publish "$base/src/PoetryNode" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
       -o "$base/pub" -nologo -v q -clp:ErrorsOnly >> "$out/build.log" 2>&1 \
  && dotnet build "$repo/src/PoetryNode" -c Release -nologo -v q -clp:ErrorsOnly >> "$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 1; }
dll="$base/src/PoetryNode/bin/Release/net10.0/poetry-node.dll"
published="$base/pub/poetry-node"

cd "$repo"
step() {
  local name=$1; shift
  [ -z "$only" ] || [[ "$only" == *" $name "* ]] || return 0
  echo "=== $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M:%S))" | tee -a "$out/index.txt"
  "$@" > "$out/$name.log" 2>&1
  echo "    exit $?, $(date -u +%H:%M:%S)" | tee -a "$out/index.txt"
}
b=tests/benchmarks
step idle          $b/run-idle-bench.sh --rounds 5 --window 20 --baseline "$dll" --no-build
step memory        $b/run-memory-bench.sh --soak 60 --servers "ours twisted raw" --baseline "$dll" --published --published-baseline "$published" --no-build
step client        $b/run-client-bench.sh --runs 7 --dotnet-run 0 --baseline "$dll"
step fanout        $b/fanout/run-fanout-bench.sh --r2r --runs 3 1000 10000
step paired-base   $b/run-paired-server-bench.sh --pair "baseline ours" --baseline "$dll" --pin --rounds 7 --no-build
step paired-log    $b/run-paired-server-bench.sh --pair "ours ours-log" --pin --rounds 7 --no-build
step paired-proxy  $b/run-paired-server-bench.sh --pair "ours proxy" --pin --rounds 7 --no-build
step startup       $b/run-startup-bench.sh --runs 7
step poem-pinned   $b/run-poem-server-bench.sh --pin --rounds 3 --duration 5 --servers "ours baseline raw" --baseline "$dll" --no-build
step transform     $b/run-transform-bench.sh --pin --rounds 3 --duration 5 --no-build
step transform-log env OURS_LOGLEVEL=info $b/run-transform-bench.sh --pin --rounds 3 --duration 5 --servers ours --no-build
step slow          $b/run-slow-server-bench.sh --pin --rounds 3 --no-build
step slow-log      env OURS_LOGLEVEL=info $b/run-slow-server-bench.sh --pin --rounds 3 --no-raw --no-build
echo "logs in $out (index.txt lists each step)"
