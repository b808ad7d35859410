#!/usr/bin/env bash
# Node start to first poem: starts `poetry-node fastpoetry` and polls its port until a whole poem
# arrives, N times, for the Release build run with `dotnet poetry-node.dll` and for the published
# ReadyToRun build (its apphost, `dotnet publish -r linux-x64 -p:PublishReadyToRun=true`), in
# interleaved runs, beside the tutorial's Twisted poem server (tests/twisted/poem_server.py, the
# same poem) started the same way; prints each time, the medians and each one's ratio to
# Twisted's median. Target: within 1 second.
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
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
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
have_twisted && variants+=(twisted)
poem="$REPO/poetry/ecstasy.txt"
machine_note
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A times=()
for i in $(seq 1 "$runs"); do
    for variant in "${variants[@]}"; do
        case $variant in
            dll) cmd=(dotnet "$OURS_DLL") ;;
            published) cmd=("$WORK/published/poetry-node") ;;
        esac
        port=$(free_port)
        start=$(date +%s.%N)
        if [ "$variant" = twisted ]; then
            "$PY" "$REPO/tests/twisted/poem_server.py" --port "$port" --poem "$poem" >/dev/null 2>&1 &
        else
            "${cmd[@]}" --pidfile= fastpoetry --port "$port" --poem "$poem" --iface 127.0.0.1 --loglevel warning >/dev/null 2>&1 &
        fi
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
tw=""
[ -n "${times[twisted]:-}" ] && tw=$(median ${times[twisted]})
echo
echo "start to first poem, $runs runs each (load average before: $LOAD_BEFORE)"
twbest=""
[ -n "${times[twisted]:-}" ] && twbest=$(printf '%s\n' ${times[twisted]} | sort -g | head -1)
printf '%-10s | %8s | %8s | %17s | %s\n' "server" "median s" "best s" "median vs Twisted" "best vs Twisted"
for variant in "${variants[@]}"; do
    # shellcheck disable=SC2086
    best=$(printf '%s\n' ${times[$variant]} | sort -g | head -1)
    printf '%-10s | %8s | %8s | %17s | %s\n' "$variant" "$(median ${times[$variant]})" "$best" \
        "$( [ -n "$tw" ] && ratio "$(median ${times[$variant]})" "$tw" || echo n/a)" "$( [ -n "$twbest" ] && ratio "$best" "$twbest" || echo n/a)"
done
echo "(target: the published node under 1 s)"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
