#!/usr/bin/env bash
# A nightly run against what an admin would script around the recorder's API, same simulator,
# same minutes (4 channels x 58 minutes at the simulator's default picture, 1280x720 H.264
# 2 Mbit/s), two exports at a time for both, rounds alternating which goes first:
#  - tsvault run: export, md5 check, remux into one-minute segments, SHA-256, index, fsync;
#  - the script: Benchmarks/admin_export.py (download with the md5 streamed), then per file
#    `ffmpeg -c copy -f segment -segment_time 60`, `openssl dgst -sha256` of the segments, `sync`.
# Wall time and CPU of each side's whole process tree, the simulator's CPU during each, and a
# perf profile of one tsvault run (where its CPU goes). Needs ~15 GB free under TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/setup.sh
export SIM_BIN=.build/release/tsapi-sim BENCH_WORK=$work VENV=$venv ROUNDS=${ROUNDS:-3} DROP_CACHES=${DROP_CACHES:-1}
Scripts/with-sim.sh --sim-args "--channels 4 --days 1 --now 2026-11-25T01:00:00+09:00 --ttl 30000" -- bash -c '
set -euo pipefail
reclaimed() { awk "/^pgsteal_(kswapd|direct) /{n+=\$2} END{print n+0}" /proc/vmstat; }
sim_cpu() { awk -v hz="$(getconf CLK_TCK)" "{print (\$14+\$15)/hz}" /proc/$SIM_PID/stat; }
begin=2026-11-25T00:00:00+09:00 end=2026-11-25T00:58:00+09:00
# Each side starts from the same state: dirty pages of the other side written back (else whoever
# runs second pays for them), and the page cache emptied (else the side that first finds memory
# full of the files of the other pays for reclaiming it). Pages reclaimed during each side are shown.
settle() {
    sync
    if [ "${DROP_CACHES:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}
tsvault_round() {
    rm -rf "$BENCH_WORK/archive"
    settle
    cat >"$BENCH_WORK/tsvault.yaml" <<YAML
archive: $BENCH_WORK/archive
servers:
  - name: bench
    url: $SIM_URL
    apiKey: { env: TSVAULT_API_KEY }
    channels: [1, 2, 3, 4]
    maxConcurrentExports: 2
YAML
    local before=$(sim_cpu) pages=$(reclaimed)
    /usr/bin/time -f "round $1 tsvault run: %e s wall, %U s user + %S s sys, peak %M KiB" \
        .build/release/tsvault run --config "$BENCH_WORK/tsvault.yaml" --now 2026-11-25T01:00:00+09:00 --json >"$BENCH_WORK/report.json" || true
    local bytes=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(c[\"bytes\"] for s in r[\"servers\"] for c in s[\"channels\"]))" "$BENCH_WORK/report.json")
    echo "round $1 tsvault run: $bytes bytes exported; simulator CPU $(python3 -c "print(f\"{$(sim_cpu) - $before:.1f}\")") s; $(($(reclaimed) - pages)) pages reclaimed"
}
script_round() {
    rm -rf "$BENCH_WORK/script" && mkdir -p "$BENCH_WORK/script/files" "$BENCH_WORK/script/segments"
    settle
    local before=$(sim_cpu) pages=$(reclaimed)
    /usr/bin/time -f "round $1 the script: %e s wall, %U s user + %S s sys, peak %M KiB" bash -c "
        set -euo pipefail
        \"$VENV/bin/python\" Benchmarks/admin_export.py \"$SIM_URL\" \"$TSVAULT_API_KEY\" --channels 1,2,3,4 \
            --begin $begin --end $end --out-dir \"$BENCH_WORK/script/files\" >\"$BENCH_WORK/script/files.txt\"
        while read -r f; do
            name=\$(basename \"\$f\" .mp4)
            ffmpeg -nostdin -v error -i \"\$f\" -map 0 -c copy -f segment -segment_time 60 -reset_timestamps 1 \
                \"$BENCH_WORK/script/segments/\$name-%03d.mp4\"
        done <\"$BENCH_WORK/script/files.txt\"
        openssl dgst -sha256 -r \"$BENCH_WORK\"/script/segments/*.mp4 >\"$BENCH_WORK/script/SHA256SUMS\"
        sync"
    echo "round $1 the script: $(cat "$BENCH_WORK"/script/files/*.mp4 | wc -c) bytes exported; simulator CPU $(python3 -c "print(f\"{$(sim_cpu) - $before:.1f}\")") s; $(($(reclaimed) - pages)) pages reclaimed"
}
for round in $(seq 1 "$ROUNDS"); do
    if ((round % 2)); then tsvault_round $round; script_round $round; else script_round $round; tsvault_round $round; fi
done
# Where the worker spends its CPU: one more run under perf (call graphs, both cores).
rm -rf "$BENCH_WORK/archive"
settle
perf record -q -g -o "$BENCH_WORK/perf.data" -- .build/release/tsvault run --config "$BENCH_WORK/tsvault.yaml" \
    --now 2026-11-25T01:00:00+09:00 >"$BENCH_WORK/perf-run.log" 2>&1 || { echo "perf run failed ($?):"; tail -5 "$BENCH_WORK/perf-run.log"; }
echo "== perf: the worker by shared object"
perf report -q -i "$BENCH_WORK/perf.data" --no-children --sort dso --stdio -g none | grep -v "^$" | head -12 || true
echo "== perf: the worker by symbol"
perf report -q -i "$BENCH_WORK/perf.data" --no-children --sort dso,symbol --stdio -g none | grep -v "^$" | head -25 | cut -c1-120 || true
'
