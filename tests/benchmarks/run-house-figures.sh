#!/usr/bin/env bash
# Issue 12's figures, the baseline beside the current tree in one run: what stopping the default
# node prints, the pid file of a foreground node, get against a server that sends nothing, the
# public types of the library and the executable, and the test suite's time (ratio of medians
# over alternating rounds, per tier: tests passed and seconds). The baseline is a revision built
# in a temporary worktree. About 5 minutes on a quiet box with the default 2 rounds.
#   tests/benchmarks/run-house-figures.sh [--baseline REV] [--rounds N] [--no-suite]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
baseline=612c1eb; rounds=2; suite=1
while [ $# -gt 0 ]; do
    case $1 in
        --baseline) baseline=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --no-suite) suite=0; shift ;;
        -h|--help) sed -n 2,7p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

base="$WORK/baseline"
git -C "$REPO" worktree add --detach "$base" "$baseline" >/dev/null 2>&1
trap 'git -C "$REPO" worktree remove --force "$base" >/dev/null 2>&1 || true; cleanup' EXIT
log "building the baseline ($baseline) and the current tree..."
for tree in "$base" "$REPO"; do
    dotnet build "$tree/PoetryActors.sln" -c Release -nologo -v q -clp:ErrorsOnly >"$WORK/build.log" 2>&1 \
        || { cat "$WORK/build.log" >&2; exit 1; }
done
dotnet build "$here/PublicSurface" -c Release -nologo -v q -o "$WORK/surface" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }

# The default deployment on free ports (the benchmark never binds the fixed ones).
deployment="$WORK/default.hocon"
sed_args=()
for p in 10000 10001 10002 10003 10004 10005; do sed_args+=(-e "s/$p/$(free_port)/g"); done
sed "${sed_args[@]}" "$REPO/hocon/default.hocon" | sed "s#poetry/#$REPO/poetry/#" >"$deployment"

# figures DLL: one line of key=value figures for that build of poetry-node.
figures() {
    "$PY" - "$1" "$deployment" "$WORK" <<'PY'
import os, re, signal, socket, subprocess, sys, tempfile, time
dll, deployment, work = sys.argv[1:4]
fmt = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[')
def started(p):
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline().decode()
        if not line: return False
        if line.rstrip().endswith('node started'): return True
    return False
folder = tempfile.mkdtemp(dir=work)
p = subprocess.Popen(['dotnet', dll, '--loglevel', 'debug', 'run', deployment], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
ok = started(p)
p.send_signal(signal.SIGINT)
out = p.communicate(timeout=60)[0].decode().splitlines()
# Written just after the start (and removed at exit): its log line tells.
pidfile = any('wrote the pid file' in l for l in out)
info = [l for l in out if '[DBG]' not in l and not l.startswith('[DEBUG]')]
print('started=%s' % ok)
print('stop_lines_with_stopped=%d' % sum('stopped' in l for l in info))
print('stop_lines_per_service=%d' % sum(bool(re.search(r'service node/[\w-]+ stopped$', l)) for l in info))
print('clr_exit_reason_lines=%d' % sum('ClrExitReason' in l for l in out))
print('other_format_lines_at_debug=%d' % sum(not fmt.match(l) for l in out))
print('foreground_pid_file=%s' % pidfile)
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(16)
port = s.getsockname()[1]
q = subprocess.Popen(['dotnet', dll, 'get', str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
c, _ = s.accept(); c.close()
gout, gerr = q.communicate(timeout=60)
print('get_empty_server_exit=%d' % q.returncode)
print('get_empty_server_stderr_lines=%d' % len(gerr.decode().splitlines()))
PY
}

declare -A B C
while IFS='=' read -r k v; do B[$k]=$v; done < <(figures "$base/src/PoetryNode/bin/Release/net10.0/poetry-node.dll")
while IFS='=' read -r k v; do C[$k]=$v; done < <(figures "$REPO/src/PoetryNode/bin/Release/net10.0/poetry-node.dll")
while read -r name top all; do B[public_types_$name]="$top top-level, $all with nested"; done < <(dotnet "$WORK/surface/PublicSurface.dll" \
    "$base/src/PoetryNode/bin/Release/net10.0/PoetryActors.dll" "$base/src/PoetryNode/bin/Release/net10.0/poetry-node.dll")
while read -r name top all; do C[public_types_$name]="$top top-level, $all with nested"; done < <(dotnet "$WORK/surface/PublicSurface.dll" \
    "$REPO/src/PoetryNode/bin/Release/net10.0/PoetryActors.dll" "$REPO/src/PoetryNode/bin/Release/net10.0/poetry-node.dll")

# The suite per tier, as test.sh runs it (Release, no rebuild): the library's project holds the
# unit tests, the TestKit scenarios and the Twisted interop; the end-to-end project runs real
# poetry-node processes. Baseline and current alternate within each round.
tiers=(PoetryActors.Tests PoetryNode.EndToEnd)
if [ $suite = 1 ]; then
    declare -A times
    for r in $(seq 1 "$rounds"); do
        for which in base current; do
            tree=$base; [ $which = current ] && tree=$REPO
            for tier in "${tiers[@]}"; do
                start=$(date +%s.%N)
                dotnet test "$tree/tests/$tier" -c Release --no-build --blame-hang-timeout 5m >"$WORK/test-$which-$tier-$r.log" 2>&1 \
                    || log "the $which $tier tier failed in round $r (see the counts below)"
                t=$(echo "$(date +%s.%N) - $start" | bc)
                times[$which-$tier]="${times[$which-$tier]:-} $t"
                log "round $r $which $tier: ${t} s, load $(cut -d' ' -f1-3 /proc/loadavg)"
            done
        done
    done
    median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
    count() { grep -Eo "$2: +[0-9]+" "$WORK/test-$1-1.log" | awk '{s += $2} END {print s + 0}'; }
    for which in base current; do
        total=0; passed=0
        for tier in "${tiers[@]}"; do
            m=$(median ${times[$which-$tier]})
            n=$(count "$which-$tier" Passed); f=$(count "$which-$tier" Failed); k=$(count "$which-$tier" Skipped)
            val="$n passed, $f failed, $k skipped; ${m} s"
            if [ $which = base ]; then B[suite_$tier]=$val; else C[suite_$tier]=$val; fi
            total=$(echo "$total + $m" | bc); passed=$((passed + n))
        done
        if [ $which = base ]; then B[suite_total]="$passed passed; $total s"; bs=$total; else C[suite_total]="$passed passed; $total s"; cs=$total; fi
    done
    for tier in "${tiers[@]}"; do
        C[suite_ratio_$tier]=$(echo "scale=2; $(median ${times[current-$tier]}) / $(median ${times[base-$tier]})" | bc)
    done
    C[suite_ratio_total]=$(echo "scale=2; $cs / $bs" | bc)
fi

printf '%-34s | %-44s | %-44s\n' figure "baseline $baseline" "current $(git -C "$REPO" rev-parse --short HEAD)"
printf -- '-%.0s' {1..100}; echo
for k in started stop_lines_with_stopped stop_lines_per_service clr_exit_reason_lines other_format_lines_at_debug \
         foreground_pid_file get_empty_server_exit get_empty_server_stderr_lines public_types_PoetryActors.dll public_types_poetry-node.dll \
         suite_PoetryActors.Tests suite_PoetryNode.EndToEnd suite_total \
         suite_ratio_PoetryActors.Tests suite_ratio_PoetryNode.EndToEnd suite_ratio_total; do
    [ -n "${B[$k]:-}${C[$k]:-}" ] && printf '%-34s | %-44s | %-44s\n' "$k" "${B[$k]:-}" "${C[$k]:-}"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
