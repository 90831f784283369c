#!/usr/bin/env bash
# The Prometheus alert rules shipped in Config/prometheus: syntax (promtool check rules) and
# behaviour (promtool test rules: each alert fires on the series that should trip it and stays
# silent on healthy ones). promtool comes with Debian's prometheus package (install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../Config/prometheus"
if ! command -v promtool >/dev/null; then
    echo "check-alerts: promtool not found; apt-get install prometheus (Scripts/install-deps.sh)" >&2
    exit 2
fi
promtool check rules tsvault-alerts.yml
promtool test rules tsvault-alerts.test.yml
