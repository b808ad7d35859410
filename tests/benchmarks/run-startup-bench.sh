#!/usr/bin/env bash
# Node start to first poem: starts `poetry-node fastpoetry` (Release) and polls its port until a
# whole poem arrives, N times; prints each time and the median. Target: within 1 second.
#   tests/benchmarks/run-startup-bench.sh [--runs N] [--no-build]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
runs=5; build=1
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n 2,4p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ $build = 1 ] && dotnet build -c Release -nologo -v q "$REPO/src/PoetryNode" >/dev/null
poem="$REPO/poetry/ecstasy.txt"
times=()
for i in $(seq 1 "$runs"); do
    port=$(free_port)
    start=$(date +%s.%N)
    dotnet "$OURS_DLL" --pidfile= fastpoetry --port "$port" --poem "$poem" --iface 127.0.0.1 --loglevel warning >/dev/null 2>&1 &
    pid=$!
    elapsed=$("$PY" - "$port" "$start" "$(stat -c %s "$poem")" <<'PY'
import socket, sys, time
port, start, size = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
deadline = time.time() + 10
while time.time() < deadline:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
    except OSError:
        time.sleep(0.005)
        continue
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    if len(data) == size:
        print(f"{time.time() - start:.3f}")
        sys.exit(0)
print("timeout")
PY
)
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    echo "run $i: first poem after ${elapsed} s"
    times+=("$elapsed")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " s (target: under 1 s)"}'
