#!/usr/bin/env bash
# Ingest throughput and peak memory of `tsvault ingest` (release) on ~1 GB and ~4 GB exports,
# side by side with the best shell pipeline doing the same work — ffmpeg stream copy into
# 60 s segments, `openssl dgst -sha256` of the segments (SHA instructions), `sync` — and with
# the one-pass limit, `openssl dgst -sha256` of the input alone. Inputs are real tsapi-sim
# exports (1280x720 H.264, 20 Mbit/s) kept on tmpfs (/dev/shm), so every contender reads them
# from memory while the page cache is emptied before each one (`sync`, then drop_caches): the
# contenders' outputs start from the same state (on this VM, writing into page cache that
# another contender just filled cost 4x more system time: docs/BENCHMARKS.md). The programs
# themselves are loaded again right after (ffmpeg's and tsvault's libraries take ~0.45 s to
# read from disk, openssl's 0.02 s): what is timed is the work, not a cold program start.
# A fifth contender is the known-hash ingest writing its segments through the page cache
# (TSVAULT_BUFFERED_SEGMENTS=1), as before segments were written with direct I/O. A sixth is
# a plain copy to the same disk: `dd` reading the input and writing it past the page cache,
# 2 MiB at a time (read, then write, one request in flight), one fsync. The one-pass limit
# writes nothing; this shows what the disk alone costs the same bytes in the same round.
# Needs ~20 GB free under TMPDIR and ~6 GB of memory.
# usage: Benchmarks/ingest-throughput.sh [MINUTES...]   (default: 7 28 → ~1 GB and ~4 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then minutes=("$@"); else minutes=(7 28); fi

source Benchmarks/setup.sh
inputs=$(mktemp -d /dev/shm/tsvault-ingest-bench.XXXXXX)
trap 'rm -rf "$work" "$inputs"' EXIT

for m in "${minutes[@]}"; do export_minutes "$inputs/input-$m.mp4" "$m" --bitrate 20M; done

measure() { # label, command... → "label seconds maxrss_kib user system"
    local label=$1; shift
    empty_page_cache
    ffmpeg -version >/dev/null; openssl version >/dev/null; .build/release/tsvault --help >/dev/null
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>&1
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
        rm -rf "$work/archive"
        cached=$(measure known-sha-page-cache bash -c "TSVAULT_BUFFERED_SEGMENTS=1 .build/release/tsvault ingest '$input' \
            --server bench --channel 1 --archive '$work/archive' --source-sha256 $input_sha && sync")
        copy=$(measure dd-copy dd if="$input" of="$work/copy" bs=2M oflag=direct conv=fsync)
        rm -f "$work/copy"
        echo "size=$size round=$round $onepass | $pipeline | $ingest | $known | $cached | $copy" | awk -v size="$size" '{
            printf "input %.2f GiB round %s:\n", size/1073741824, substr($2, 7)
            for (i = 3; i <= NF; i += 6) printf "  %-20s %6.2f s (%4.0f MiB/s, peak %3d MiB, %.2f user + %.2f sys)\n", \
                $i, $(i+1), size/1048576/$(i+1), $(i+2)/1024, $(i+3), $(i+4)
        }'
    done
done
echo "SHA-NI instructions (sha256rnds2) in the tsvault binary: $(objdump -d .build/release/tsvault | grep -c sha256rnds2)"
