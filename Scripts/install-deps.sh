#!/usr/bin/env bash
# Installs the system packages tsvault and tsapi-sim build and test against.
# Idempotent: does nothing when everything is present.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# install_missing [apt-get options] -- packages...: installs the packages not installed yet.
install_missing() {
    local options=() missing=()
    while [ "$1" != "--" ]; do options+=("$1"); shift; done
    shift
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${options[@]}" "${missing[@]}" >/dev/null
}

# openssl: the referee of the evidence clips' signatures (Scripts/eff/verify_eff.py, the package
# README's commands).
install_missing -- libsqlite3-dev libavformat-dev libavcodec-dev libavutil-dev libzstd-dev ffmpeg pkg-config python3-venv \
    systemd prometheus openssl
# Ceph for the object-storage tests (Scripts/ceph-cluster.sh), without the recommended extras.
install_missing --no-install-recommends -- ceph-mon ceph-osd radosgw ceph-common
# Headless Chromium and its WebDriver for the coverage page tests (Selenium drives them), and a
# font so the screenshots have text; without the recommended extras.
install_missing --no-install-recommends -- chromium chromium-driver fonts-dejavu-core
