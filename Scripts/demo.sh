#!/usr/bin/env bash
# The demo on a fresh machine: install, build, start tsapi-sim, run an export against it.
# (The nightly archival run replaces the export client here once it exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build
Scripts/vendor-client-check.sh
