#!/usr/bin/env bash
# Which Akka logger the node should use: its own minimal logger (Hosting/NodeAkkaLogger.cs: no
# logger actor, each event queued as it is on the thread that logs, formatted by the log writer)
# or Akka.Logger.Serilog's SerilogLogger (the one DESIGN.md names), an actor on the
# calling-thread loggers-dispatcher (Hosting/CallingThreadDispatcher.cs), everything else the
# same (BatchingLogSink, the access log line per connection).
#
#   tests/benchmarks/run-logger-choice-bench.sh [--rounds N] [--duration S]
#
# Builds this checkout's HEAD a second time in a temporary worktree with the one line of
# NodeHost.cs that installs the node's logger changed to Akka.Logger.Serilog.SerilogLogger, then runs
# run-poem-server-bench.sh with that build as --baseline: rows "ours" (quiet), "ours-log" (our
# logger, --logfile) and "baseline-log" (Akka.Logger.Serilog, --logfile), their CPU per poem
# relative to the quiet node in the column "CPU/poem vs ours". About 1 minute per round plus the
# build.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
ROUNDS=3
DURATION=5
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
TREE=$(mktemp -d "${TMPDIR:-/tmp}/poetry-logger-choice.XXXXXX")
cleanup() { git -C "$REPO" worktree remove --force "$TREE" 2>/dev/null || rm -rf "$TREE"; }
trap cleanup EXIT
git -C "$REPO" worktree add --detach "$TREE" HEAD >&2
HOST=$TREE/src/PoetryNode/Hosting/NodeHost.cs
grep -q 'NodeAkkaLogger.Hocon(NodeLogging.ToAkka(settings.Level))' "$HOST" || { echo "NodeHost.cs no longer installs NodeAkkaLogger as expected" >&2; exit 1; }
sed -i 's/NodeAkkaLogger.Hocon(NodeLogging.ToAkka(settings.Level))/"akka.loggers = [\"Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog\"]\n" + CallingThreadDispatcherConfigurator.Hocon/' "$HOST"
echo "building the Akka.Logger.Serilog variant in $TREE" >&2
dotnet build -c Release -nologo -v quiet "$TREE/src/PoetryNode" >&2
"$BENCH_DIR/run-poem-server-bench.sh" --rounds "$ROUNDS" --duration "$DURATION" \
    --baseline "$TREE/src/PoetryNode/bin/Release/net10.0/poetry-node.dll" --servers "ours ours-log baseline-log"
echo
echo "(baseline-log is Akka.Logger.Serilog's SerilogLogger on the calling-thread dispatcher, ours-log the node's NodeAkkaLogger)"
