# Shared by run-fanout-bench.sh and run-floor-probe.sh (sourced from the repository's root):
# the file limit, a work directory removed on exit, the tools built, and the fan-out server.

# Ten thousand sockets on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

server=tests/benchmarks/fanout/FanoutServer/bin/Release/net10.0/fanout-server
floor_probe=tests/benchmarks/fanout/FloorProbe/bin/Release/net10.0/fanout-floor-probe
loadgen=tests/benchmarks/bin/loadgen

# build_fanout_tools: the fan-out server, the floor probe and the C load generator.
build_fanout_tools() {
  echo "building (Release)..." >&2
  dotnet build tests/benchmarks/fanout/FanoutServer -c Release -nologo -v q -clp:ErrorsOnly >&2
  dotnet build tests/benchmarks/fanout/FloorProbe -c Release -nologo -v q -clp:ErrorsOnly >&2
  [ -x "$loadgen" ] || { mkdir -p tests/benchmarks/bin && cc -O2 -o "$loadgen" tests/benchmarks/loadgen.c; }
}

# start_fanout_server [ARG...]: the server on 4 ports (1 s delay, 3,000-byte poems, ARGs added);
# sets server_pid and ports, or ends the script when it does not start.
start_fanout_server() {
  mkfifo "$work/server-stdin"
  "$server" --poem poetry/ecstasy.txt --bytes 3000 --ports 4 --delay 1 "$@" \
    < "$work/server-stdin" > "$work/server.out" 2> "$work/server.err" &
  server_pid=$!
  exec 9> "$work/server-stdin"   # held open: the server runs until the script ends
  for _ in $(seq 100); do
    grep -q '^listening on' "$work/server.out" 2>/dev/null && break
    sleep 0.1
  done
  read -r -a ports <<< "$(sed -n 's/^listening on //p' "$work/server.out")"
  [ ${#ports[@]} -eq 4 ] || { echo "the fan-out server did not start: $(cat "$work/server.err")" >&2; exit 1; }
}
