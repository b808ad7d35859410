#!/usr/bin/env bash
# The deployment and poem files (and early signals) of issue 10 that used to take a node down,
# thrown at this tree's poetry-node and at a baseline's side by side, one table:
#   tests/benchmarks/hostile-files/run-hostile-files.sh [--baseline REF]   (default REF: main)
# Per case: exit code, stderr lines, bytes of stderr, milliseconds (a hang is killed after 15 s),
# and "secret" when stderr quotes the included non-deployment file, "ctl=N" for control bytes.
# Loopback only, bounded in time; every process it starts is killed by pid on exit.
set -uo pipefail
source "$(dirname "$0")/../bench-lib.sh"

BASE_REF=main
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) BASE_REF=$2; shift 2 ;;
        *) log "usage: $0 [--baseline REF]"; exit 2 ;;
    esac
done

build_ours || { log "cannot build this tree"; exit 1; }
BASE_TREE=$WORK/baseline
git -C "$REPO" worktree add --detach "$BASE_TREE" "$BASE_REF" >/dev/null 2>&1 || { log "cannot check out $BASE_REF"; exit 1; }
trap 'cleanup; git -C "$REPO" worktree remove --force "$BASE_TREE" >/dev/null 2>&1' EXIT
dotnet build -c Release -nologo -v quiet "$BASE_TREE/src/PoetryNode" >"$WORK/base-build.log" 2>&1 || { cat "$WORK/base-build.log" >&2; exit 1; }
BASE_DLL=$BASE_TREE/src/PoetryNode/bin/Release/net10.0/poetry-node.dll

F=$WORK/files; mkdir -p "$F/adir"
POEM=$REPO/poetry/ecstasy.txt
entry() { printf 'poetry.node.services = [ { name = p, kind = fastpoetry, poem = "%s", port = 0, iface = 127.0.0.1 } ]\n' "$1"; }
printf 'include "self.hocon"\npoetry.node.services = []\n' > "$F/self.hocon"
printf 'include "b.hocon"\npoetry.node.services = []\n' > "$F/a.hocon"; printf 'include "a.hocon"\n' > "$F/b.hocon"
{ printf 'poetry.node.services = '; head -c 200000 /dev/zero | tr '\0' '['; } > "$F/nested.hocon"
printf 'poetry.node.services = ${poetry.node.services}\n' > "$F/subst.hocon"
mkfifo "$F/fifo.txt"; entry "$F/fifo.txt" > "$F/fifo.hocon"
entry /dev/zero > "$F/zero.hocon"
entry "$F/adir" > "$F/dir.hocon"
head -c 73400320 /dev/zero | tr '\0' 'x' > "$F/big.txt"; entry "$F/big.txt" > "$F/big.hocon"
printf 'poetry.node {\n  services = []\n' > "$F/missing-brace.hocon"
printf 'poetry.node { services = [] }\n}\n' > "$F/extra-brace.hocon"
printf 'root:$y$j9T$SECRETHASH:19000:0:99999:7:::\n' > "$F/shadow"; printf 'include "%s"\npoetry.node.services = []\n' "$F/shadow" > "$F/shadow.hocon"
head -c 4096 /dev/urandom > "$F/binary.hocon"
printf 'poetry.node.services = []\npoetry.download.idle-timeout = banana\npoetry.listener.backlog = -5\n' > "$F/settings.hocon"

# one DLL ARGS...: "exit lines bytes ms" of a run (exit "hung" when killed after 15 s).
one() {
    local dll=$1; shift
    local start end code
    start=$(date +%s%N)
    timeout -s KILL 15 dotnet "$dll" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    code=$?; end=$(date +%s%N)
    [ "$code" = 137 ] && code=hung
    local extra="" ctl
    grep -q SECRETHASH "$WORK/err" && extra=" secret"
    ctl=$(tr -d '\n\t' <"$WORK/err" | tr -cd '\000-\037\177' | wc -c)
    [ "$ctl" -gt 0 ] && extra="$extra ctl=$ctl"
    printf '%s %s %s %s%s' "$code" "$(wc -l <"$WORK/err")" "$(wc -c <"$WORK/err")" $(( (end - start) / 1000000 )) "$extra"
}

# signal DLL SIG: a node sent SIG 300 ms after it was started, then SIGTERM 3 s later: "exit".
signal() {
    local dll=$1 sig=$2 pid code
    dotnet "$dll" transform --port 0 --iface 127.0.0.1 --pidfile= >"$WORK/sig.out" 2>&1 </dev/null & pid=$!
    BENCH_PIDS+=("$pid")
    sleep 0.3; kill "-$sig" "$pid" 2>/dev/null; sleep 3; kill -TERM "$pid" 2>/dev/null
    wait "$pid"; code=$?
    printf '%s - - -' "$code"
}

# reload DLL: a running node, its file rewritten to include itself, SIGHUP: "serving-after exit".
reload() {
    local dll=$1 pid code serving
    entry "$POEM" > "$F/live.hocon"
    dotnet "$dll" run --pidfile= "$F/live.hocon" >"$WORK/reload.out" 2>&1 </dev/null & pid=$!
    BENCH_PIDS+=("$pid")
    for _ in $(seq 1 300); do grep -q "node started" "$WORK/reload.out" && break; sleep 0.1; done
    { printf 'include "live.hocon"\n'; entry "$POEM"; } > "$F/live.hocon"
    kill -HUP "$pid"; sleep 3
    if kill -0 "$pid" 2>/dev/null; then serving=alive; else serving=dead; fi
    kill -TERM "$pid" 2>/dev/null; wait "$pid"; code=$?
    printf '%s %s - -' "$serving/$code" "$(grep -c . "$WORK/reload.out")"
}

cases=(
    "include itself|check $F/self.hocon"
    "A includes B includes A|check $F/a.hocon"
    "200 KB of nested [|check $F/nested.hocon"
    "\${x} refers to itself|check $F/subst.hocon"
    "poem is a FIFO (run)|run --pidfile= $F/fifo.hocon"
    "poem is /dev/zero (run)|run --pidfile= $F/zero.hocon"
    "poem is a directory|check $F/dir.hocon"
    "poem of 70 MiB|check $F/big.hocon"
    "missing }|check $F/missing-brace.hocon"
    "extra }|check $F/extra-brace.hocon"
    "include a non-deployment|check $F/shadow.hocon"
    "binary deployment|check $F/binary.hocon"
    "bad settings values|check $F/settings.hocon"
)

printf '%-28s | %-30s | %-30s\n' "case" "baseline: exit lines bytes ms" "ours: exit lines bytes ms"
printf '%s\n' "-----------------------------+--------------------------------+-------------------------------"
for c in "${cases[@]}"; do
    name=${c%%|*}; args=${c#*|}
    # shellcheck disable=SC2086
    printf '%-28s | %-30s | %-30s\n' "$name" "$(one "$BASE_DLL" $args)" "$(one "$OURS_DLL" $args)"
done
printf '%-28s | %-30s | %-30s\n' "SIGHUP 0.3 s after start" "$(signal "$BASE_DLL" HUP)" "$(signal "$OURS_DLL" HUP)"
printf '%-28s | %-30s | %-30s\n' "SIGTERM 0.3 s after start" "$(signal "$BASE_DLL" TERM)" "$(signal "$OURS_DLL" TERM)"
printf '%-28s | %-30s | %-30s\n' "SIGHUP, file includes itself" "$(reload "$BASE_DLL")" "$(reload "$OURS_DLL")"
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
