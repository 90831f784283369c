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
work=$(mktemp -d)
log="$work/sim.log"
.build/release/tsapi-sim --port 0 --data "$work/sim" --bitrate "$bitrate" --ttl 30000 \
    --now 2026-11-25T12:00:00+09:00 --days 2 --api-key tsapi_key_bench >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
    grep -q "listening on" "$log" && break
    sleep 0.5
done
base=$(sed -n 's/^tsapi-sim listening on //p' "$log")
[ -n "$base" ] || { echo "tsapi-sim did not start:"; cat "$log"; exit 1; }
end=$(printf '10:%02d:00' "$minutes")
"$venv/bin/python" Benchmarks/sim_export_throughput.py "$base" tsapi_key_bench \
    --begin 2026-11-25T10:00:00+09:00 --end "2026-11-25T$end+09:00" --out "$work"
