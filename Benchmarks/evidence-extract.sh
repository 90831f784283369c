#!/usr/bin/env bash
# Evidence extraction of one hour of one channel (1280x720 H.264, 2 Mbit/s) with
# `tsvault evidence extract`, against `ffmpeg -f concat -c copy -movflags +faststart` over the
# same archived segments, in the same run (release build, page cache warm for both).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product tsvault >/dev/null
swift build -c release --product tsapi-sim >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SIM_BIN=.build/release/tsapi-sim BENCH_WORK=$work
Scripts/with-sim.sh --sim-args "--channels 1 --days 1 --now 2026-11-25T01:05:00+09:00 --ttl 30000" -- bash -c '
    cat >"$BENCH_WORK/tsvault.yaml" <<YAML
archive: $BENCH_WORK/archive
servers:
  - name: bench
    url: $SIM_URL
    apiKey: { env: TSVAULT_API_KEY }
YAML
    .build/release/tsvault run --config "$BENCH_WORK/tsvault.yaml" --now 2026-11-25T01:05:00+09:00 >/dev/null'
python3 - "$work" <<'PY' >"$work/concat.txt"
import sqlite3, sys
root = sys.argv[1] + "/archive"
db = sqlite3.connect(root + "/index.sqlite")
rows = db.execute("SELECT blob_sha256 FROM segments WHERE start_us >= 1795532400000000 AND start_us < 1795536000000000 ORDER BY start_us")
for (sha,) in rows:
    print(f"file '{root}/blobs/{sha[:2]}/{sha[2:4]}/{sha}'")
PY
echo "segments: $(wc -l <"$work/concat.txt") ($(python3 -c "import os,sys; print(sum(os.path.getsize(l.split(\"'\")[1]) for l in open(sys.argv[1])))" "$work/concat.txt") bytes)"
cat $(sed -E "s/file '(.*)'/\1/" "$work/concat.txt") >/dev/null
for round in 1 2; do
    rm -rf "$work/case" "$work/ffmpeg.mp4"
    /usr/bin/time -f "round $round tsvault evidence extract: %e s, peak %M KiB" .build/release/tsvault evidence extract --archive "$work/archive" \
        --server bench --channel 1 --from 2026-11-25T00:00:00+09:00 --to 2026-11-25T01:00:00+09:00 --case BENCH --requester bench \
        --reason benchmark --output "$work/case" --timezone Asia/Seoul --no-hold >/dev/null
    /usr/bin/time -f "round $round ffmpeg concat + faststart: %e s, peak %M KiB" ffmpeg -v error -f concat -safe 0 -i "$work/concat.txt" \
        -c copy -movflags +faststart "$work/ffmpeg.mp4"
done
ls -l "$work"/case/*.mp4 "$work/ffmpeg.mp4" | awk '{print $5, $9}'
