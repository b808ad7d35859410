#!/usr/bin/env bash
# Node start to first poem: starts `poetry-node fastpoetry` and polls its port until a whole poem
# arrives, N times, for the Release build run with `dotnet poetry-node.dll` and for the published
# ReadyToRun build (its apphost, `dotnet publish -r linux-x64 -p:PublishReadyToRun=true`), in
# interleaved runs; prints each time and the medians. Target: within 1 second.
#   tests/benchmarks/run-startup-bench.sh [--runs N] [--no-build] [--no-published]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
runs=5; build=1; published=1
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --no-published) published=0; shift ;;
        -h|--help) sed -n 2,6p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ $build = 1 ] && dotnet build -c Release -nologo -v q "$REPO/src/PoetryNode" >/dev/null
variants=(dll)
if [ $published = 1 ]; then
    dotnet publish "$REPO/src/PoetryNode" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        -o "$WORK/published" -nologo -v q >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; exit 1; }
    variants+=(published)
fi
poem="$REPO/poetry/ecstasy.txt"
machine_note
declare -A times=()
for i in $(seq 1 "$runs"); do
    for variant in "${variants[@]}"; do
        case $variant in
            dll) cmd=(dotnet "$OURS_DLL") ;;
            published) cmd=("$WORK/published/poetry-node") ;;
        esac
        port=$(free_port)
        start=$(date +%s.%N)
        "${cmd[@]}" --pidfile= fastpoetry --port "$port" --poem "$poem" --iface 127.0.0.1 --loglevel warning >/dev/null 2>&1 &
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
        echo "run $i, $variant: first poem after ${elapsed} s"
        times[$variant]+="$elapsed "
    done
done
for variant in "${variants[@]}"; do
    printf '%s\n' ${times[$variant]} | sort -n | awk -v v="$variant" '{a[NR]=$1} END {print v ": median " a[int((NR+1)/2)] " s, best " a[1] " s (target: under 1 s)"}'
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
