#!/usr/bin/env bash
# The demo on a fresh machine: install what is missing, build, start tsapi-sim (4 channels,
# 2 days, small picture so it runs in a minute), check it, run a nightly archival run into
# ./demo/archive, print the report, the coverage and a full verification.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build
now=2026-11-25T06:00:00+09:00
Scripts/with-sim.sh --sim-args "--channels 4 --days 2 --now $now --size 160x96 --fps 2 --bitrate 30k" -- Scripts/demo-run.sh "$now"
