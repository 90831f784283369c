#!/usr/bin/env bash
# Builds dist/tsvault_<version>_<arch>.deb: tsvault in release with the Swift runtime linked in
# (the server needs no toolchain), the systemd units, the tsvault system user (sysusers.d),
# /etc/tsvault/tsvault.yaml from the example, the docs, the man page, shell completions, the
# Prometheus alert rules, the Grafana dashboard and the JSON Schemas. The archive
# under /var/lib/tsvault is never removed by the package, not even on purge: it is footage.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^ *public static let current = "\([^"]*\)"/\1/p' Sources/Archive/Version.swift)
arch=$(dpkg --print-architecture)
scratch=.build-package
swift build -c release --static-swift-stdlib --product tsvault --scratch-path "$scratch"
bin="$scratch/release/tsvault"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/tsvault_${version}_${arch}"

install -D -m 755 "$bin" "$root/usr/bin/tsvault"
strip --strip-unneeded "$root/usr/bin/tsvault"
for unit in Config/*.service Config/*.timer; do install -D -m 644 "$unit" "$root/lib/systemd/system/$(basename "$unit")"; done
install -d "$root/usr/lib/sysusers.d"
echo 'u tsvault - "tsvault archival worker" /var/lib/tsvault' >"$root/usr/lib/sysusers.d/tsvault.conf"
install -D -m 640 Config/tsvault.example.yaml "$root/etc/tsvault/tsvault.yaml"
for doc in README.md docs/DEPLOY.md docs/NIGHTLY.md docs/BACKUP.md Config/tsvault.example.yaml; do
    install -D -m 644 "$doc" "$root/usr/share/doc/tsvault/$(basename "$doc")"
done
# What a monitoring or scripting setup takes from the package: alert rules, dashboard, schemas.
install -D -m 644 Config/prometheus/tsvault-alerts.yml "$root/usr/share/tsvault/prometheus/tsvault-alerts.yml"
install -D -m 644 Config/grafana/tsvault-dashboard.json "$root/usr/share/tsvault/grafana/tsvault-dashboard.json"
for schema in docs/schemas/*.json; do install -D -m 644 "$schema" "$root/usr/share/tsvault/schemas/$(basename "$schema")"; done
# The man page, by swift-argument-parser's generate-manual (built from the checkout the build
# resolved, ~20 s) from the binary's own help; dated by the last commit, so a rebuild is identical.
swift build -c release --package-path "$scratch/checkouts/swift-argument-parser" --scratch-path "$scratch/generate-manual" \
    --product generate-manual
manual=$(mktemp -d)
"$scratch/generate-manual/release/generate-manual" "$bin" --date "$(git log -1 --format=%cs 2>/dev/null || date +%F)" \
    --output-directory "$manual"
install -d "$root/usr/share/man/man1"
gzip -9n <"$manual/tsvault.1" >"$root/usr/share/man/man1/tsvault.1.gz"
rm -rf "$manual"
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d"
"$bin" --generate-completion-script bash >"$root/usr/share/bash-completion/completions/tsvault"
"$bin" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_tsvault"
"$bin" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/tsvault.fish"

# The shared libraries the binary links directly (NEEDED), by the Debian packages that ship them.
depends=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r lib; do
    dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1
done | sort -u | paste -sd, - | sed 's/,/, /g')
install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: tsvault
Version: $version
Architecture: $arch
Maintainer: tsvault developers <tsvault@localhost>
Depends: $depends, adduser
Section: video
Priority: optional
Description: recording export and archival backup worker for TS-API recorders
 Exports what TS-NVR, TS-CMS and TS-IVR recorders hold before their disks wrap, archives it
 content-addressed with an SQLite index, verifies it, applies retention, pushes offsite
 backups and extracts signed evidence packages. Runs nightly from a systemd timer or as a
 daemon with Prometheus metrics.
CONTROL
echo /etc/tsvault/tsvault.yaml >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers tsvault.conf
    elif ! getent passwd tsvault >/dev/null; then
        adduser --system --group --home /var/lib/tsvault --no-create-home tsvault
    fi
    install -d -o tsvault -g tsvault -m 750 /var/lib/tsvault
    chgrp tsvault /etc/tsvault/tsvault.yaml
    chmod 640 /etc/tsvault/tsvault.yaml
    if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
POSTINST
cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl stop tsvault-daemon.service tsvault-run.timer tsvault-backup.timer >/dev/null 2>&1 || true
fi
PRERM
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
# The archive in /var/lib/tsvault and the tsvault user stay, even on purge: footage is not
# deleted by removing a program.
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTRM
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
mkdir -p dist
dpkg-deb --build --root-owner-group "$root" dist/ >/dev/null
echo "dist/tsvault_${version}_${arch}.deb: $(du -h "dist/tsvault_${version}_${arch}.deb" | cut -f1), depends on: $depends"
