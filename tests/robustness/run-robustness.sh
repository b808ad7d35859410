#!/usr/bin/env bash
# The robustness suite's load attacks (tests/robustness/attacks.py), against our build and,
# side by side in the same run, a baseline build: one command, loopback only, every attack
# bounded in time and count (about 4 minutes a build). Not a test: it prints figures.
#
#   tests/robustness/run-robustness.sh                     # ours against main (built in a worktree)
#   tests/robustness/run-robustness.sh --baseline REF      # ours against any commit
#   tests/robustness/run-robustness.sh --baseline-dll PATH # ours against a poetry-node.dll already built
#   tests/robustness/run-robustness.sh --no-baseline       # ours only
#   tests/robustness/run-robustness.sh --only sigterm-slow,log-flood
#
# Attacks and their figures are listed at the top of attacks.py.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
BASELINE_REF=main
BASELINE_DLL=""
ONLY=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/poetry-robustness.XXXXXX")
cleanup() {
    if [ -d "$WORK/baseline" ]; then git -C "$REPO" worktree remove --force "$WORK/baseline" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) BASELINE_REF=$2; shift 2 ;;
        --baseline-dll) BASELINE_DLL=$2; BASELINE_REF=""; shift 2 ;;
        --no-baseline) BASELINE_REF=""; shift ;;
        --only) ONLY=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "run-robustness.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

# Fifteen thousand attackers need as many descriptors, in this shell and in the node.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

build() { # build SRC_ROOT LABEL: prints the dll
    dotnet build -c Release -nologo -v quiet "$1/src/PoetryNode" >"$WORK/build-$2.log" 2>&1 \
        || { cat "$WORK/build-$2.log" >&2; echo "run-robustness.sh: could not build $2" >&2; exit 1; }
    echo "$1/src/PoetryNode/bin/Release/net10.0/poetry-node.dll"
}

echo "building ours..." >&2
OURS=$(build "$REPO" ours)
if [ -n "$BASELINE_REF" ]; then
    echo "building the baseline ($BASELINE_REF) in a worktree..." >&2
    git -C "$REPO" worktree add --detach "$WORK/baseline" "$BASELINE_REF" >/dev/null 2>&1
    BASELINE_DLL=$(build "$WORK/baseline" baseline)
fi

only=()
[ -n "$ONLY" ] && only=(--only "$ONLY")
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [ -n "$BASELINE_DLL" ]; then
    echo "attacking the baseline..." >&2
    "$PY" "$HERE/attacks.py" --node "$BASELINE_DLL" "${only[@]}" >"$WORK/baseline.jsonl"
fi
echo "attacking ours..." >&2
"$PY" "$HERE/attacks.py" --node "$OURS" "${only[@]}" >"$WORK/ours.jsonl"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PY" "$HERE/table.py" "$WORK/ours.jsonl" ${BASELINE_DLL:+"$WORK/baseline.jsonl"}
