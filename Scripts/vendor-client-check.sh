#!/usr/bin/env bash
# Starts tsapi-sim on a free port and runs the vendor-style Python client against it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/pyenv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q requests websockets
fi
data=$(mktemp -d)
log="$data/sim.log"
.build/debug/tsapi-sim --port 0 --data "$data" --size 320x180 --fps 10 --bitrate 300k \
    --now 2026-11-25T12:00:00+09:00 --days 2 >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
    grep -q "listening on" "$log" && break
    sleep 0.2
done
base=$(sed -n 's/^tsapi-sim listening on //p' "$log")
[ -n "$base" ] || { echo "tsapi-sim did not start:"; cat "$log"; exit 1; }
"$venv/bin/python" Scripts/vendor_client.py "$base"
