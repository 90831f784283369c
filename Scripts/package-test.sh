#!/usr/bin/env bash
# The Debian package as an operator installs it (root; CI runs this after the tests): build it,
# install it with apt, check the user, directories and units it brings, run the nightly job
# exactly as tsvault-run.service runs it (its ExecStart, as the tsvault user) against tsapi-sim
# with a backup disk outside /var/lib/tsvault, then remove and purge it. Prints one line per
# check and a closing 'package: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
check() { # check NAME COMMAND...
    local name=$1; shift
    if "$@" >/tmp/tsvault-package-check.log 2>&1; then echo "ok: $name"; passed=$((passed + 1))
    else echo "FAILED: $name"; sed 's/^/    /' /tmp/tsvault-package-check.log | tail -20; failed=$((failed + 1)); fi
}
finish() { echo "package: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

# It installs into the system and removes /var/lib/tsvault and /mnt/tsvault-offsite at the end:
# never on a machine where tsvault is installed or has an archive.
if dpkg -s tsvault >/dev/null 2>&1 || [ -e /var/lib/tsvault ] || [ -e /mnt/tsvault-offsite ] || [ -e /etc/tsvault ]; then
    echo "package-test: tsvault is installed here, or /var/lib/tsvault, /etc/tsvault or /mnt/tsvault-offsite exists;"
    echo "package-test: refusing to touch them (run it on a CI machine or a scratch VM)"
    failed=1
    finish
fi
Scripts/package-deb.sh || { echo "package build failed"; failed=1; finish; }
deb=$(ls -t dist/tsvault_*.deb | head -1)
check "apt installs $deb" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb"
check "the tsvault system user exists" getent passwd tsvault
check "/var/lib/tsvault belongs to tsvault" test "$(stat -c %U:%a /var/lib/tsvault)" = "tsvault:750"
check "/etc/tsvault/tsvault.yaml is a conffile readable by the group only" test "$(stat -c %G:%a /etc/tsvault/tsvault.yaml)" = "tsvault:640"
check "the installed binary needs no Swift toolchain library" sh -c '/usr/bin/tsvault --version && ! ldd /usr/bin/tsvault | grep -Eq "swift|/opt/"'
check "systemd-analyze verify: every installed unit" systemd-analyze verify /lib/systemd/system/tsvault-run.service \
    /lib/systemd/system/tsvault-run.timer /lib/systemd/system/tsvault-daemon.service /lib/systemd/system/tsvault-backup.service \
    /lib/systemd/system/tsvault-backup.timer
check "bash completion installed" grep -q "_tsvault" /usr/share/bash-completion/completions/tsvault
check "the man page documents every command" sh -c 'zcat /usr/share/man/man1/tsvault.1.gz | grep -q "^\.It Em daemon" \
    && zcat /usr/share/man/man1/tsvault.1.gz | grep -q "log-format"'
check "alert rules, dashboard and schemas installed" test -f /usr/share/tsvault/prometheus/tsvault-alerts.yml \
    -a -f /usr/share/tsvault/grafana/tsvault-dashboard.json -a -f /usr/share/tsvault/schemas/run-report.schema.json

# The simulator of the test build, and the configuration an operator would write.
now=2026-11-25T06:00:00+09:00
sim_data=$(mktemp -d)
.build/debug/tsapi-sim --port 0 --data "$sim_data" --api-key tsapi_key_package --channels 2 --days 2 --now "$now" \
    --size 64x48 --fps 2 --bitrate 20k >"$sim_data/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$sim_data"' EXIT
for _ in $(seq 1 300); do grep -q "listening on" "$sim_data/sim.log" && break; sleep 0.2; done
url=$(sed -n 's/^tsapi-sim listening on //p' "$sim_data/sim.log")
offsite=/mnt/tsvault-offsite
rm -rf "$offsite" && install -d -o tsvault -g tsvault "$offsite"
install -m 640 -g tsvault /dev/stdin /etc/tsvault/sim.key <<<"tsapi_key_package"
cat >/etc/tsvault/tsvault.yaml <<YAML
archive: /var/lib/tsvault/archive
lookBackDays: 2
retention: { maxAgeDays: 30 }
scrub: { gbPerRun: 0.01 }
backup: { targets: [$offsite] }
servers:
  - name: nvr
    url: $url
    apiKey: { file: /etc/tsvault/sim.key }
    channels: [1, 2]
YAML
as_tsvault() { runuser -u tsvault -- "$@"; }
check "config check as tsvault" as_tsvault /usr/bin/tsvault config check --config /etc/tsvault/tsvault.yaml
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/tsvault-run.service)
# shellcheck disable=SC2086
check "the unit's ExecStart as tsvault: first run archives everything" as_tsvault $exec_start --now "$now"
check "the backup disk is initialized by the operator" as_tsvault /usr/bin/tsvault backup push "$offsite" --label offsite-ci \
    --archive /var/lib/tsvault/archive
# shellcheck disable=SC2086
check "second run: nothing to export, retention, scrub and a push to $offsite" as_tsvault $exec_start --now "$now"
check "its report lists the push" sh -c "/usr/bin/tsvault report 2 --archive /var/lib/tsvault/archive | grep -q 'backup offsite-ci ($offsite): pushed snapshot'"
check "the backup disk verifies" as_tsvault /usr/bin/tsvault backup verify "$offsite" --full
check "the archive belongs to tsvault" test "$(stat -c %U /var/lib/tsvault/archive/index.sqlite)" = tsvault

check "dpkg --purge removes the program and its units" sh -c 'dpkg --purge tsvault && ! test -e /usr/bin/tsvault && ! test -e /lib/systemd/system/tsvault-run.service'
check "the archive stays after purge" test -f /var/lib/tsvault/archive/index.sqlite
rm -rf /var/lib/tsvault /etc/tsvault "$offsite"
userdel tsvault 2>/dev/null || true
groupdel tsvault 2>/dev/null || true
finish
