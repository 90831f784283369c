#!/usr/bin/env bash
# Peak memory of a nightly run by the size of the recorder's files (issue 18: it must not grow
# with them). The same 2 channels x 58 minutes at the simulator's default picture (channel 1
# recorded throughout, channel 2 in short spans), two exports at a time, archived with windows
# of at most 5 minutes (files of ~66 MB) and of 58 minutes (channel 1 in one file of ~0.9 GB),
# rounds alternating which goes first, each from a synced and emptied page cache; then the same
# downloaded whole first (TSVAULT_DOWNLOAD_WHOLE=1).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/setup.sh
export SIM_BIN=.build/release/tsapi-sim BENCH_WORK=$work
Scripts/with-sim.sh --sim-args "--channels 2 --days 1 --now 2026-11-25T01:00:00+09:00 --ttl 30000" -- bash -c '
set -euo pipefail
one_run() { # round, window minutes, streamed|whole
    rm -rf "$BENCH_WORK/archive"
    empty_page_cache
    cat >"$BENCH_WORK/tsvault.yaml" <<YAML
archive: $BENCH_WORK/archive
planner: { maxWindowMinutes: $2 }
servers:
  - name: bench
    url: $SIM_URL
    apiKey: { env: TSVAULT_API_KEY }
    channels: [1, 2]
    maxConcurrentExports: 2
YAML
    local whole=0; [ "$3" = whole ] && whole=1
    TSVAULT_DOWNLOAD_WHOLE=$whole /usr/bin/time -f "%e %M" -o "$BENCH_WORK/time" .build/release/tsvault run \
        --config "$BENCH_WORK/tsvault.yaml" --now 2026-11-25T01:00:00+09:00 --json >"$BENCH_WORK/report.json"
    python3 - "$BENCH_WORK/report.json" "$BENCH_WORK/time" "$1" "$2" "$3" <<PY
import json, sys
report = json.load(open(sys.argv[1]))
wall, peak = open(sys.argv[2]).read().split()
channels = [c for s in report["servers"] for c in s["channels"]]
files = sum(c["windows"] for c in channels)  # one file per window at these sizes
size = sum(c["bytes"] for c in channels)
print(f"round {sys.argv[3]} {sys.argv[5]}, windows of {sys.argv[4]} min: {files} windows, {size / max(files, 1) / 1e6:.0f} MB each, "
      f"{wall} s, peak {int(peak) // 1024} MiB")
PY
}
for mode in streamed whole; do
    one_run 1 5 $mode; one_run 1 58 $mode
    one_run 2 58 $mode; one_run 2 5 $mode
done
'
