#!/usr/bin/env bash
# Coverage page benchmark (release build): the HTML report of 64 channels x 30 days, its size,
# the time `tsvault coverage --html` takes to write it, and how long headless Chromium takes to
# load and draw it, beside an empty page loaded by the same browser in the same rounds.
#
# The index: a real nightly run archives 4 channels (one of each recording kind: continuous,
# motion, daily outage, flaky) of a tiny picture for the days the simulator holds; then
# Benchmarks/replicate_index.py copies those rows (segments, recorder bitmaps) to 64 channels
# x 30 days, so the report reads an index of the size a month of a 64-camera site has, with
# the run lengths real recordings produce. Blobs are not copied: the report never reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/setup.sh
rounds=${ROUNDS:-5}
export SIM_BIN=.build/release/tsapi-sim BENCH_WORK=$work
python=$(Scripts/python-env.sh)

echo "== archive: 4 channels, nightly run"
Scripts/with-sim.sh --sim-args "--channels 4 --days 2 --size 64x48 --fps 2 --bitrate 20k --now 2026-11-25T12:00:00+09:00" -- bash -c '
    cat >"$BENCH_WORK/tsvault.yaml" <<YAML
archive: $BENCH_WORK/archive
lookBackDays: 2
concurrency: { global: 4 }
servers:
  - name: bench
    url: $SIM_URL
    apiKey: { env: TSVAULT_API_KEY }
    maxConcurrentExports: 4
YAML
    /usr/bin/time -f "run: %e s wall" .build/release/tsvault run --config "$BENCH_WORK/tsvault.yaml" --now 2026-11-25T12:00:00+09:00 \
        --json >/dev/null || true
    .build/release/tsvault verify --archive "$BENCH_WORK/archive" >/dev/null || true'
"$python" Benchmarks/replicate_index.py "$work/archive/index.sqlite" --channels 64 --days 30 --zone Asia/Seoul

from=2026-10-27T00:00:00+09:00
to=2026-11-26T00:00:00+09:00
echo "== tsvault coverage --html, 64 channels x 30 days"
for round in $(seq 1 "$rounds"); do
    /usr/bin/time -f "round $round: coverage --html %e s wall, peak %M KiB" .build/release/tsvault coverage --archive "$work/archive" \
        --timezone Asia/Seoul --from "$from" --to "$to" --html "$work/page.html" >/dev/null
done
ls -l "$work/page.html" | awk '{printf "page: %.2f MB (%d bytes)\n", $5 / 1e6, $5}'
echo "== Chromium: load and draw (every round), against an empty page"
"$python" Benchmarks/page_render.py "$work/page.html" --rounds "$rounds"
