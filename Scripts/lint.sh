#!/usr/bin/env bash
# Checks that need no build: the formatting (swift-format with .swift-format, the toolchain's
# own), that every target declares what it imports, the systemd units (systemd-analyze), and
# the example configuration against docs/schemas/config.schema.json, and the Prometheus alert
# rules (promtool check/test rules, Scripts/check-alerts.sh). CI runs it before the
# tests; fix formatting with `swift format --in-place --recursive --parallel Package.swift Sources Tests`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel Package.swift Sources Tests
python3 Scripts/check-imports.py
Scripts/check-units.sh
"$(Scripts/python-env.sh)" Scripts/check-json-schemas.py docs/schemas/config.schema.json Config/tsvault.example.yaml
Scripts/check-alerts.sh
