#!/usr/bin/env bash
# The demo on a fresh machine: install, build, start tsapi-sim, check it with tsvault and
# export from it with the vendor-style client. (The nightly archival run joins here once it
# exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build
Scripts/with-sim.sh -- bash -c '.build/debug/tsvault server check --url "$SIM_URL" --name tsapi-sim'
Scripts/vendor-client-check.sh
