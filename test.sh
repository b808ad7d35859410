#!/usr/bin/env bash
# Runs every test tier (unit, TestKit scenarios, interop with real Twisted, end-to-end runs of
# poetry-node) and ends with one line: "N passed, N failed".
# Installs Debian's python3-twisted first when it is missing (the interop tests need it), and
# Debian's chromium (the status page is tested in a real headless browser).
set -uo pipefail
cd "$(dirname "$0")"

if ! /usr/bin/python3 -c 'import twisted' >/dev/null 2>&1; then
  echo "test.sh: installing python3-twisted for the interop tests..."
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-twisted >/dev/null \
    || { echo "test.sh: could not install python3-twisted"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing chromium for the status page test..."
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null \
    || { echo "test.sh: could not install chromium"; echo "0 passed, 1 failed"; exit 1; }
fi

# Many-client tests open thousands of sockets.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

if ! dotnet build PoetryActors.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "test.sh: the build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# A hung test fails its run after 5 minutes instead of holding CI.
dotnet test PoetryActors.sln -c Release --no-build --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 42, Skipped: 0, ..."
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run failed without a failed test (a crashed or hung test host): count it as a failure.
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
