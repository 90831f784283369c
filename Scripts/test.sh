#!/usr/bin/env bash
# The project's test command: Swift tests, then the vendor-style Python client against a
# live tsapi-sim (proves the wire format from outside Swift).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
# Serialized: each live test runs its own simulator; run all at once they starve the
# 2-core cooperative pool (see docs/SIMULATOR.md, "Known limits").
swift test --skip-build --no-parallel
Scripts/vendor-client-check.sh
