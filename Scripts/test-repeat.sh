#!/usr/bin/env bash
# Runs the Swift test suite N times in a row (default 10) after a clean build, exactly as
# Scripts/test.sh runs it (serialized, line-buffered), printing each run's duration and
# result; exits 1 if any run failed. A run that hangs is ended by the suites' time limits, so
# every run ends with a result. The vendor-client check of test.sh is left out (it is not
# where hangs were, and it adds 20 s a run). Logs go to .build/test-repeat/run-K.log.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
logs=.build/test-repeat
rm -rf .build/debug .build/x86_64-unknown-linux-gnu
mkdir -p "$logs"
start=$(date +%s)
if ! swift build --build-tests >"$logs/build.log" 2>&1; then
    echo "clean build failed: see $logs/build.log"; exit 1
fi
echo "clean build: $(( $(date +%s) - start )) s"
failed=0
for k in $(seq 1 "$runs"); do
    begin=$(date +%s)
    if stdbuf -oL -eL swift test --skip-build --no-parallel >"$logs/run-$k.log" 2>&1; then result=passed; else result=FAILED; failed=$((failed + 1)); fi
    summary=$(grep -E "^✔ Test run with|^✘ Test run with" "$logs/run-$k.log" | tail -1)
    echo "run $k: $result in $(( $(date +%s) - begin )) s — ${summary:-no summary line}"
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
