#!/usr/bin/env bash
# Throughput of tsapi-sim producing and serving one ~1 GB export over loopback, side by side
# with python's http.server serving the same bytes. Release build; needs ~3 GB free in TMPDIR.
# usage: Benchmarks/sim-export-throughput.sh [MINUTES_OF_VIDEO=7] [BITRATE=20M]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-7}
bitrate=${2:-20M}

swift build -c release --product tsapi-sim >/dev/null
venv=.build/pyenv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q requests websockets
fi
end=$(printf '10:%02d:00' "$minutes")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SIM_BIN=.build/release/tsapi-sim Scripts/with-sim.sh \
    --sim-args "--bitrate $bitrate --ttl 30000 --now 2026-11-25T12:00:00+09:00 --days 2" -- \
    bash -c "$venv/bin/python Benchmarks/sim_export_throughput.py \"\$SIM_URL\" \"\$TSVAULT_API_KEY\" \
        --begin 2026-11-25T10:00:00+09:00 --end 2026-11-25T$end+09:00 --out $work"
