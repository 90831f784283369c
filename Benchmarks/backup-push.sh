#!/usr/bin/env bash
# Throughput and peak memory of `tsvault backup push` (release) of a ~1 GB archive to a fresh
# target on the same file system, side by side with plain copies of the same bytes: `cp -a`
# of the blobs and the index + `sync` (the raw copy limit), and the same followed by
# `sha256sum` of every copy (what push also checks). Then an incremental push with nothing
# new, `backup verify --full` and `backup restore`. The archive is a real tsapi-sim export
# (1280x720 H.264, 20 Mbit/s) ingested beforehand; every contender starts from the page cache.
# usage: Benchmarks/backup-push.sh [MINUTES=7]   (7 → ~1 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
m=${1:-7}

source Benchmarks/setup.sh
tsvault=.build/release/tsvault

end=$(printf '%02d:%02d:00' $((10 + m / 60)) $((m % 60)))
SIM_BIN=.build/release/tsapi-sim Scripts/with-sim.sh \
    --sim-args "--bitrate 20M --ttl 30000 --now 2026-11-25T23:00:00+09:00 --days 2" -- \
    bash -c "$venv/bin/python Benchmarks/fetch_export.py \"\$SIM_URL\" \"\$TSVAULT_API_KEY\" \
        --begin 2026-11-25T10:00:00+09:00 --end 2026-11-25T$end+09:00 --out $work/input.mp4"
$tsvault ingest "$work/input.mp4" --server bench --channel 1 --archive "$work/archive" >/dev/null
rm "$work/input.mp4"
size=$(du -sb "$work/archive/blobs" | cut -f1)

measure() { # label, command... → "label seconds maxrss_kib"
    local label=$1; shift
    find "$work/archive" -type f -exec cat {} + >/dev/null
    sync
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
    echo "$label $(cat "$work/time")"
}
report() { awk -v size="$size" '{ printf "  %-22s %6.2f s  %5.0f MiB/s  peak %4d MiB\n", $1, $2, size/1048576/$2, $3/1024 }'; }

echo "archive: $(find "$work/archive/blobs" -type f | wc -l) blobs, $((size / 1048576)) MiB"
for round in 1 2; do
    rm -rf "$work/cp" "$work/cp-sha" "$work/target" "$work/restored"
    echo "round $round"
    {
        measure cp+sync bash -c "mkdir '$work/cp' && cp -a '$work/archive/blobs' '$work/archive/index.sqlite' '$work/cp/' && sync"
        measure cp+sha256sum+sync bash -c "mkdir '$work/cp-sha' && cp -a '$work/archive/blobs' '$work/archive/index.sqlite' '$work/cp-sha/' \
            && find '$work/cp-sha/blobs' -type f -exec sha256sum {} + >/dev/null && sync"
        measure push bash -c "$tsvault backup push '$work/target' --label bench --archive '$work/archive' && sync"
        measure push-incremental bash -c "$tsvault backup push '$work/target' --archive '$work/archive' && sync"
        measure verify-full "$tsvault" backup verify "$work/target" --full
        measure restore bash -c "$tsvault backup restore '$work/target' --to '$work/restored' && sync"
    } | report
done
