#!/usr/bin/env bash
# The project's test command: Swift tests, then the vendor-style Python client against a
# live tsapi-sim (proves the wire format from outside Swift).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
# The Python the schema test validates with (CLITests/JSONSchemaTests).
TSVAULT_PYTHON=$(Scripts/python-env.sh)
export TSVAULT_PYTHON
# A single-node Ceph cluster for the object-storage tests (ObjectStoreTests), stopped at exit.
ceph_dir=.build/ceph
trap 'Scripts/ceph-cluster.sh stop "$ceph_dir"' EXIT
ceph_env=$(Scripts/ceph-cluster.sh start "$ceph_dir")
eval "$ceph_env"
export TSVAULT_S3_ENDPOINT TSVAULT_S3_ACCESS_KEY TSVAULT_S3_SECRET_KEY TSVAULT_CEPH_DIR
# Serialized: a few tests measure the whole process (peak RSS of a 1 GB download) or
# depend on timing under load (TLS handshakes with short timeouts), which tests running
# beside them would distort on 2 cores.
# Line-buffered (stdbuf), so a log going to a file or a pipe always ends at the test that is
# running: swift test's output is block-buffered otherwise, and a stuck run's log stopped
# tests before the one that hung. Every suite also has a time limit, so a hang fails by name.
stdbuf -oL -eL swift test --skip-build --no-parallel
Scripts/vendor-client-check.sh
