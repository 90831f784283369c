#!/usr/bin/env bash
# The project's test command: Swift tests, then the vendor-style Python client against a
# live tsapi-sim (proves the wire format from outside Swift).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
swift test --skip-build
Scripts/vendor-client-check.sh
