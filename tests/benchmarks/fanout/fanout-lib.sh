# Shared by run-fanout-bench.sh, run-floor-probe.sh and run-get-timeline.sh (sourced from the
# repository's root): the file limit, a work directory removed on exit, the tools built, the
# fan-out server, poetry-node built or published, and the requests' scrambled order of ports.

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
layer_probe=tests/benchmarks/fanout/LayerProbe/bin/Release/net10.0/fanout-layer-probe
loadgen=tests/benchmarks/bin/loadgen

# build_fanout_tools: the fan-out server, the floor and layer probes and the C load generator.
build_fanout_tools() {
  echo "building (Release)..." >&2
  dotnet build tests/benchmarks/fanout/FanoutServer -c Release -nologo -v q -clp:ErrorsOnly >&2
  dotnet build tests/benchmarks/fanout/FloorProbe -c Release -nologo -v q -clp:ErrorsOnly >&2
  dotnet build tests/benchmarks/fanout/LayerProbe -c Release -nologo -v q -clp:ErrorsOnly >&2
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

# build_client R2R: poetry-node published ReadyToRun (R2R=true: dotnet publish -r linux-x64, which
# restores the crossgen2 package) or the plain Release build; sets client and label.
build_client() {
  if [ "$1" = true ]; then
    dotnet publish src/PoetryNode -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
      -o "$work/r2r" -nologo -v q -clp:ErrorsOnly >&2
    client="$work/r2r/poetry-node"
    label="poetry-node get (R2R)"
  else
    dotnet build src/PoetryNode -c Release -nologo -v q -clp:ErrorsOnly >&2
    client=src/PoetryNode/bin/Release/net10.0/poetry-node
    label="poetry-node get"
  fi
}

# addresses N: the server's port (i*7 + i/5) mod 4 for request i, one a line: a scrambled but
# reproducible order.
addresses() {
  /usr/bin/python3 - "$1" "${ports[@]}" <<'EOF'
import sys
n, ports = int(sys.argv[1]), sys.argv[2:]
print("\n".join(ports[(i * 7 + i // 5) % len(ports)] for i in range(n)))
EOF
}
