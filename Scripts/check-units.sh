#!/usr/bin/env bash
# The systemd units in Config/ as systemd reads them: `systemd-analyze verify` must find nothing
# but the binary this machine has not installed (/usr/bin/tsvault, from the package), and the
# exposure score of each service is printed (docs/DEPLOY.md quotes the daemon's).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(systemd-analyze verify Config/*.service Config/*.timer 2>&1 || true)
problems=$(printf '%s\n' "$out" | grep -v "Command /usr/bin/tsvault is not executable" | grep -v '^$' || true)
if [ -n "$problems" ]; then
    printf 'systemd-analyze verify:\n%s\n' "$problems"
    exit 1
fi
for unit in Config/*.service; do
    systemd-analyze security --offline=true "$unit" 2>&1 | tail -1 | sed "s|^→ |units: |"
done
