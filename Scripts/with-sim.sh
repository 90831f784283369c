#!/usr/bin/env bash
# Starts a debug-built tsapi-sim on a free port with a known API key, runs the given command
# with SIM_URL and TSVAULT_API_KEY set, and stops the simulator afterwards.
# usage: Scripts/with-sim.sh [--sim-args "ARGS"] -- COMMAND...   (SIM_BIN overrides the binary;
# SIM_DATA names a data directory to use and keep, e.g. to share one GOP library between runs)
set -euo pipefail
cd "$(dirname "$0")/.."
sim_args="--size 320x180 --fps 10 --bitrate 300k --now 2026-11-25T12:00:00+09:00 --days 2"
if [ "${1:-}" = "--sim-args" ]; then sim_args=$2; shift 2; fi
[ "${1:-}" = "--" ] && shift
data=${SIM_DATA:-$(mktemp -d)}
keep=${SIM_DATA:+yes}
mkdir -p "$data"
log="$data/sim.log"
# shellcheck disable=SC2086
"${SIM_BIN:-.build/debug/tsapi-sim}" --port 0 --data "$data" --api-key tsapi_key_demo $sim_args >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true; [ -n "$keep" ] || rm -rf "$data"' EXIT
for _ in $(seq 1 600); do
    grep -q "listening on" "$log" && break
    sleep 0.2
done
SIM_URL=$(sed -n 's/^tsapi-sim listening on //p' "$log")
[ -n "$SIM_URL" ] || { echo "tsapi-sim did not start:"; cat "$log"; exit 1; }
# SIM_PID lets benchmarks read the simulator's CPU time from /proc.
export SIM_URL SIM_PID=$sim TSVAULT_API_KEY=tsapi_key_demo
"$@"
