#!/usr/bin/env bash
# Nightly-run benchmark (release build), two parts:
#  1. planner: `tsvault plan` against a simulator with 64 channels x 30 days of minute bitmaps
#     (recorder queries and planning timed separately);
#  2. a nightly run of 16 channels x 1 hour at the simulator's default picture (1280x720 H.264,
#     2 Mbit/s) over loopback, two rounds each of videos archived while they download and of
#     videos downloaded whole first: wall time, CPU, peak memory — beside the ingest-only
#     throughput of the same recordings (exported again to files first), measured in the same run.
# Needs ~35 GB free under TMPDIR.
# usage: Benchmarks/nightly-run.sh [CHANNELS=16 [SIMULATOR OPTIONS...]]
#   e.g. `Benchmarks/nightly-run.sh 8 --audio pcm_mulaw`: the run part only (no planner part) for
#   8 channels of a recorder with G.711 audio, whose exports are Matroska.
set -euo pipefail
cd "$(dirname "$0")/.."
channels=${1:-16}
shift $(($# > 0 ? 1 : 0))
source Benchmarks/setup.sh
export SIM_BIN=.build/release/tsapi-sim BENCH_WORK=$work CHANNELS=$channels

config() { # archive-dir → writes $work/tsvault.yaml for the simulator at $SIM_URL
    cat >"$BENCH_WORK/tsvault.yaml" <<YAML
archive: $1
lookBackDays: 31
concurrency: { global: 4 }
servers:
  - name: bench
    url: $SIM_URL
    apiKey: { env: TSVAULT_API_KEY }
    maxConcurrentExports: 4
YAML
}
export -f config

if [ $# = 0 ] && [ "$channels" = 16 ]; then
    echo "== planner: 64 channels x 30 days"
    Scripts/with-sim.sh --sim-args "--channels 64 --days 30 --now 2026-11-25T12:00:00+09:00" -- bash -c '
        config "$BENCH_WORK/plan-archive"
        /usr/bin/time -f "plan: %e s wall, peak %M KiB" .build/release/tsvault plan --config "$BENCH_WORK/tsvault.yaml" --now 2026-11-25T12:00:00+09:00 | tail -1'
fi

echo "== nightly run: $channels channels x 1 hour, 1280x720 2 Mbit/s $*"
Scripts/with-sim.sh --sim-args "--channels $channels --days 1 --now 2026-11-25T01:00:00+09:00 --ttl 30000 $*" -- bash -c '
    config "$BENCH_WORK/run-archive"
    # CPU seconds of the simulator (utime+stime in clock ticks) around the run: on 2 shared
    # cores the recorder work is part of the wall time; this separates the two.
    sim_cpu() { awk -v hz="$(getconf CLK_TCK)" "{print (\$14+\$15)/hz}" /proc/$SIM_PID/stat; }
    # Side by side: videos archived while they download (the default) and downloaded whole
    # first (TSVAULT_DOWNLOAD_WHOLE=1, as before issue 18), rounds alternating which goes
    # first, each from a synced and emptied page cache.
    one_run() { # round, mode
        rm -rf "$BENCH_WORK/run-archive"
        empty_page_cache
        local whole=0; [ "$2" = whole ] && whole=1
        sim_before=$(sim_cpu)
        TSVAULT_DOWNLOAD_WHOLE=$whole /usr/bin/time -f "round $1 $2: %e s wall, worker CPU %U s user + %S s sys, peak %M KiB" \
            .build/release/tsvault run --config "$BENCH_WORK/tsvault.yaml" --now 2026-11-25T01:00:00+09:00 --json >"$BENCH_WORK/report.json"
        python3 -c "print(f\"round $1 $2: simulator CPU during the run: {$(sim_cpu) - $sim_before:.1f} s\")"
        python3 Benchmarks/report_summary.py "$BENCH_WORK/report.json"
    }
    for round in 1 2; do
        if [ $round = 1 ]; then one_run $round streamed; one_run $round whole; else one_run $round whole; one_run $round streamed; fi
    done
    mkdir -p "$BENCH_WORK/files"
    for ch in $(seq 1 "$CHANNELS"); do
        '"$venv"'/bin/python Benchmarks/fetch_export.py "$SIM_URL" "$TSVAULT_API_KEY" --channel $ch \
            --begin 2026-11-25T00:00:00+09:00 --end 2026-11-25T00:58:00+09:00 --out-dir "$BENCH_WORK/files"
    done
    du -sb "$BENCH_WORK/files" | awk "{print \"ingest-only input: \" \$1 \" bytes\"}"
    # Hash every file first (the run gets these from its downloader), then time the ingests.
    for f in "$BENCH_WORK"/files/*.mp4 "$BENCH_WORK"/files/*.mkv; do [ -e "$f" ] || continue; echo "$f $(openssl dgst -sha256 -r "$f" | cut -d" " -f1)"; done >"$BENCH_WORK/shas"
    /usr/bin/time -f "ingest-only: %e s wall, CPU %U s user + %S s sys" bash -c "
        while read -r f sha; do
            ch=\$(basename \"\$f\" | sed -E \"s/ch([0-9]+)-.*/\\1/\")
            .build/release/tsvault ingest \"\$f\" --server bench --channel \"\$ch\" --archive \"$BENCH_WORK/ingest-archive\" --source-sha256 \"\$sha\" >/dev/null
        done <\"$BENCH_WORK/shas\"
        sync"'
