#!/usr/bin/env bash
# What serving an export costs the simulator, in CPU-seconds per GB: 4 channels x 58 minutes at
# the default picture (2.7 GB), exported and downloaded by Benchmarks/admin_export.py two at a
# time, with the md5 the worker always asks for and without it. Each round runs two simulators
# on one GOP library, one after the other (order alternating): export files written and read
# back through the page cache as before (TSVAULT_BUFFERED_SEGMENTS=1, the baseline) and past
# it with direct I/O (the default). The md5 is work a recorder does on request (md5=true); its
# floor on this CPU is shown beside, from `openssl speed` (the simulator uses BoringSSL's
# assembly MD5, as OpenSSL does).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/setup.sh
export SIM_BIN=.build/release/tsapi-sim BENCH_WORK=$work VENV=$venv SIM_DATA=$work/sim-data
rounds=${ROUNDS:-3}
openssl speed -seconds 2 -bytes 1048576 -evp md5 2>/dev/null |
    awk '/^md5/ {printf "MD5 alone on this CPU: %.0f MB/s = %.2f CPU-s per GB\n", $2 / 1000, 1000000 / $2}'
measure() { # round, label; the simulator's environment is the caller's
    ROUND=$1 LABEL=$2 Scripts/with-sim.sh --sim-args "--channels 4 --days 1 --now 2026-11-25T01:00:00+09:00 --ttl 30000" -- bash -c '
set -euo pipefail
sim_cpu() { awk -v hz="$(getconf CLK_TCK)" "{print \$14/hz, \$15/hz}" /proc/$SIM_PID/stat; }
side() { # label, extra arguments of admin_export.py
    rm -rf "$BENCH_WORK/files" && mkdir -p "$BENCH_WORK/files"
    empty_page_cache
    local before=$(sim_cpu)
    "$VENV/bin/python" Benchmarks/admin_export.py "$SIM_URL" "$TSVAULT_API_KEY" --channels 1,2,3,4 \
        --begin 2026-11-25T00:00:00+09:00 --end 2026-11-25T00:58:00+09:00 --out-dir "$BENCH_WORK/files" $2 >/dev/null
    local bytes=$(cat "$BENCH_WORK"/files/*.mp4 | wc -c)
    python3 -c "import sys; u0, s0 = map(float, sys.argv[3].split()); u1, s1 = map(float, sys.argv[2].split())
b = int(sys.argv[4]); cpu = u1 - u0 + s1 - s0
print(f\"round {sys.argv[5]} {sys.argv[6]}, {sys.argv[1]}: {b} bytes, simulator {u1 - u0:.2f} user + {s1 - s0:.2f} sys = \"
      f\"{cpu / b * 1e9:.2f} CPU-s per GB\")" "$1" "$(sim_cpu)" "$before" "$bytes" "$ROUND" "$LABEL"
}
if ((ROUND % 2)); then side "with md5" ""; side "without md5" --no-md5
else side "without md5" --no-md5; side "with md5" ""; fi
'
}
for round in $(seq 1 "$rounds"); do
    if ((round % 2)); then
        TSVAULT_BUFFERED_SEGMENTS=1 measure "$round" "page cache"
        measure "$round" "direct I/O"
    else
        measure "$round" "direct I/O"
        TSVAULT_BUFFERED_SEGMENTS=1 measure "$round" "page cache"
    fi
done
