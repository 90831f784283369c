#!/usr/bin/env bash
# Runs the vendor-style Python client (requests + websockets) against a fresh tsapi-sim.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/pyenv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q requests websockets
fi
Scripts/with-sim.sh -- bash -c "$venv/bin/python Scripts/vendor_client.py \"\$SIM_URL\""
