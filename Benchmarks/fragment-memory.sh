#!/usr/bin/env bash
# What malloc's mapping threshold costs an ingest. The muxer grows one buffer per fragment (a GOP
# of video) and frees it when the fragment is written; with glibc's threshold below that size,
# each fragment's buffer is mapped, faulted in page by page and unmapped. Side by side in every
# round (order alternating), `tsvault ingest --source-sha256` (release, + `sync`) of one ~1 GiB
# export per case:
#   - tsvault: as shipped (threshold 32 MiB, set at start);
#   - threshold-4MiB: glibc's threshold fixed at 4 MiB through its own tunables (GLIBC_TUNABLES,
#     which tsvault leaves alone when set), as tsvault set it before.
# Cases: 1280x720 at 20 Mbit/s with 2-second GOPs (~5 MB fragments) and 1920x1080 at 40 Mbit/s
# with 4-second GOPs (~20 MB). Inputs on tmpfs; the page cache is emptied before each ingest.
# Reports wall, user and system seconds, peak memory and minor page faults (/usr/bin/time).
# usage: Benchmarks/fragment-memory.sh [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}

source Benchmarks/setup.sh
inputs=$(mktemp -d /dev/shm/tsvault-fragment-bench.XXXXXX)
trap 'rm -rf "$work" "$inputs"' EXIT

# label, bitrate, GOP seconds, size, minutes (~1 GiB)
cases=("720p-20M-gop2 20M 2 1280x720 7" "1080p-40M-gop4 40M 4 1920x1080 4")
for c in "${cases[@]}"; do
    read -r label bitrate gop size minutes <<<"$c"
    export_minutes "$inputs/$label.mp4" "$minutes" --bitrate "$bitrate" --gop "$gop" --size "$size"
done

ingest() { # contender, input → "contender seconds user sys maxrss_kib minor_faults"
    local contender=$1 input=$2 sha tunables=""
    sha=$(openssl dgst -sha256 -r "$input" | cut -d' ' -f1)
    [ "$contender" = threshold-4MiB ] && tunables=glibc.malloc.mmap_threshold=$((4 << 20))
    rm -rf "$work/archive"
    empty_page_cache
    .build/release/tsvault --help >/dev/null
    /usr/bin/time -f "%e %U %S %M %R" -o "$work/time" env GLIBC_TUNABLES="$tunables" bash -c \
        ".build/release/tsvault ingest '$input' --server bench --channel 1 --archive '$work/archive' --source-sha256 $sha >/dev/null && sync"
    echo "$contender $(cat "$work/time")"
}

for round in $(seq "$rounds"); do
    for c in "${cases[@]}"; do
        read -r label _ <<<"$c"
        input="$inputs/$label.mp4"
        size=$(stat -c %s "$input")
        if [ $((round % 2)) = 1 ]; then order=(tsvault threshold-4MiB); else order=(threshold-4MiB tsvault); fi
        for contender in "${order[@]}"; do ingest "$contender" "$input"; done | sort | awk -v label="$label" -v round="$round" -v size="$size" '
            { wall[$1] = $2; cpu[$1] = $3 + $4; line[$1] = sprintf("  %-15s %5.2f s, %.2f user + %.2f sys, peak %3d MiB, %6d minor faults (%d per GiB)",
                  $1, $2, $3, $4, $5 / 1024, $6, $6 / (size / 1073741824)) }
            END {
                printf "round %s, %s (%.2f GiB):\n%s\n%s\n", round, label, size / 1073741824, line["tsvault"], line["threshold-4MiB"]
                printf "  tsvault against threshold-4MiB: wall %.2fx, CPU %.2fx\n", wall["tsvault"] / wall["threshold-4MiB"], cpu["tsvault"] / cpu["threshold-4MiB"]
            }'
    done
done
