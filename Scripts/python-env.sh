#!/usr/bin/env bash
# Prints the path of the project's Python (a venv under .build/pyenv), creating it or adding
# what it lacks: requests and websockets for the vendor-style client, jsonschema (with
# rfc3339-validator, without which "date-time" is not checked) and PyYAML for the schemas,
# Selenium to drive the distribution's headless Chromium in the coverage page tests.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/pyenv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import requests, websockets, jsonschema, rfc3339_validator, yaml, selenium" 2>/dev/null; then
    "$venv/bin/pip" install -q requests websockets jsonschema rfc3339-validator pyyaml selenium >&2
fi
echo "$PWD/$venv/bin/python"
