#!/usr/bin/env bash
# Runs the vendor-style Python client (requests + websockets) against a fresh tsapi-sim: REST,
# the event socket (with the simulator clock moved) and an export.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(Scripts/python-env.sh)
Scripts/with-sim.sh -- bash -c "$python Scripts/vendor_client.py \"\$SIM_URL\""
