#!/usr/bin/env bash
# Installs the system packages tsvault and tsapi-sim build and test against.
# Idempotent: does nothing when everything is present.
set -euo pipefail

packages=(libsqlite3-dev libavformat-dev libavcodec-dev libavutil-dev libzstd-dev ffmpeg pkg-config python3-venv systemd prometheus)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Ceph for the object-storage tests (Scripts/ceph-cluster.sh), without the recommended extras.
ceph=(ceph-mon ceph-osd radosgw ceph-common)
for p in "${ceph[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "installing: ${ceph[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${ceph[@]}" >/dev/null
        break
    fi
done
