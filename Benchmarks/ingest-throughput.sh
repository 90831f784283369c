#!/usr/bin/env bash
# Ingest throughput and peak memory of `tsvault ingest` (release) on ~1 GB and ~4 GB exports,
# side by side with the best shell pipeline doing the same work — ffmpeg stream copy into
# 60 s segments, `openssl dgst -sha256` of the segments (SHA instructions), `sync` — and with
# the one-pass limit, `openssl dgst -sha256` of the input alone. Inputs are real tsapi-sim
# exports (1280x720 H.264, 20 Mbit/s) kept on tmpfs (/dev/shm), so every contender reads them
# from memory while the page cache is emptied before each one (`sync`, then drop_caches): the
# contenders' outputs start from the same state (on this VM, writing into page cache that
# another contender just filled cost 4x more system time: docs/BENCHMARKS.md). Needs ~20 GB
# free under TMPDIR and ~6 GB of memory.
# usage: Benchmarks/ingest-throughput.sh [MINUTES...]   (default: 7 28 → ~1 GB and ~4 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then minutes=("$@"); else minutes=(7 28); fi

source Benchmarks/setup.sh
inputs=$(mktemp -d /dev/shm/tsvault-ingest-bench.XXXXXX)
trap 'rm -rf "$work" "$inputs"' EXIT

for m in "${minutes[@]}"; do
    end=$(printf '%02d:%02d:00' $((10 + m / 60)) $((m % 60)))
    SIM_BIN=.build/release/tsapi-sim Scripts/with-sim.sh \
        --sim-args "--bitrate 20M --ttl 30000 --now 2026-11-25T23:00:00+09:00 --days 2" -- \
        bash -c "$venv/bin/python Benchmarks/fetch_export.py \"\$SIM_URL\" \"\$TSVAULT_API_KEY\" \
            --begin 2026-11-25T10:00:00+09:00 --end 2026-11-25T$end+09:00 --out $inputs/input-$m.mp4"
done

measure() { # label, command... → "label seconds maxrss_kib"
    local label=$1; shift
    sync
    if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; fi
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1
    echo "$label $(cat "$work/time")"
}

for m in "${minutes[@]}"; do
    input="$inputs/input-$m.mp4"
    size=$(stat -c %s "$input")
    input_sha=$(openssl dgst -sha256 -r "$input" | cut -d' ' -f1)
    for round in 1 2; do
        rm -rf "$work/seg" "$work/archive"; mkdir -p "$work/seg"
        onepass=$(measure onepass openssl dgst -sha256 "$input")
        pipeline=$(measure pipeline bash -c "ffmpeg -v error -i '$input' -map 0 -c copy -f segment -segment_time 60 \
            -reset_timestamps 1 -segment_format mp4 '$work/seg/%04d.mp4' && openssl dgst -sha256 '$work'/seg/*.mp4 && sync")
        ingest=$(measure ingest bash -c ".build/release/tsvault ingest '$input' --server bench --channel 1 --archive '$work/archive' && sync")
        # As in a nightly run: the downloader hashed the file while downloading it.
        rm -rf "$work/archive"
        known=$(measure ingest-known-sha bash -c ".build/release/tsvault ingest '$input' --server bench --channel 1 \
            --archive '$work/archive' --source-sha256 $input_sha && sync")
        echo "size=$size round=$round $onepass | $pipeline | $ingest | $known" | awk -v size="$size" '{
            printf "input %.2f GiB round %s: ", size/1073741824, substr($2, 7)
            for (i = 3; i <= NF; i += 4) if ($i != "|") printf "%s %.2f s (%.0f MiB/s, peak %d MiB)  ", $i, $(i+1), size/1048576/$(i+1), $(i+2)/1024
            print ""
        }'
    done
done
echo "SHA-NI instructions (sha256rnds2) in the tsvault binary: $(objdump -d .build/release/tsvault | grep -c sha256rnds2)"
