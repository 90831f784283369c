#!/usr/bin/env bash
# Bucket throughput and memory on a real Ceph RADOS gateway (Scripts/ceph-cluster.sh: one
# monitor, one memstore OSD, the beast frontend on loopback; all on this machine's 2 cores),
# side by side in each round (a fresh, warmed-up cluster each round, the order of the two push
# contenders alternating), every contender into a fresh bucket and starting from the page cache:
#   - aws-sync+sha256: `aws s3 sync` (awscli from PyPI, its defaults: 10 threads, 8 MiB parts)
#     of the archive's blob directory and index, then `sha256sum` of every blob checked against
#     its name — the check `backup push` makes of what it sends;
#   - push: `tsvault backup push --bucket` of the same archive (encrypted, as bucket targets are);
#   - ingest-local / ingest-s3: `tsvault ingest` of the same export into a local archive and
#     into an archive whose blobs are in a bucket (`store:`), the source hash known as in a
#     nightly run.
# Then peak memory against blob size: the same push and S3 ingest of an archive whose one-minute
# segments are BIG_BITRATE (default 80M, ~4x larger blobs).
# usage: Benchmarks/s3-push.sh [MINUTES=7] [ROUNDS=3]   (7 → ~1 GB at 20 Mbit/s)
set -euo pipefail
cd "$(dirname "$0")/.."
m=${1:-7}
rounds=${2:-3}
big_bitrate=${BIG_BITRATE:-80M}

source Benchmarks/setup.sh
"$venv/bin/python" -c "import awscli" 2>/dev/null || "$venv/bin/pip" install -q awscli
tsvault=$PWD/.build/release/tsvault

# A cluster of its own, beside any the tests use, started afresh for every round: the gateway
# collects deleted objects' garbage in the background, which made a round after deletions
# spend up to three times the Ceph CPU on the same work.
export TSVAULT_CEPH_S3_PORT=7491 TSVAULT_CEPH_MON_PORT=3391 TSVAULT_CEPH_MEMSTORE_BYTES=$((8 << 30))
fresh_cluster() {
    Scripts/ceph-cluster.sh stop "$work/ceph"
    set -a
    eval "$(Scripts/ceph-cluster.sh start "$work/ceph")"
    set +a
    export AWS_ACCESS_KEY_ID=$TSVAULT_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$TSVAULT_S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
    # The gateway creates its data pools on the first object written: done here, not in the
    # first contender's time (which made whoever went first 3-4 s slower).
    head -c $((40 << 20)) /dev/urandom >"$work/warm-up"
    aws s3 mb s3://warm-up >/dev/null
    aws s3 cp --only-show-errors "$work/warm-up" s3://warm-up/object
    rm "$work/warm-up"
}
trap 'Scripts/ceph-cluster.sh stop "$work/ceph"; rm -rf "$work"' EXIT
aws() { "$venv/bin/aws" --endpoint-url "$TSVAULT_S3_ENDPOINT" "$@"; }

openssl rand -hex 32 >"$work/bench.key"
chmod 600 "$work/bench.key"
echo dummy >"$work/nvr.key"
chmod 600 "$work/nvr.key"
config() { # archive directory, bucket of the offsite copy, bucket of the archive's store ("" for none)
    local store=""
    [ -z "$3" ] || store="store:
  url: s3://$3/site
  endpoint: $TSVAULT_S3_ENDPOINT
  accessKey: { env: TSVAULT_S3_ACCESS_KEY }
  secretKey: { env: TSVAULT_S3_SECRET_KEY }"
    cat >"$work/tsvault.yaml" <<YAML
archive: $1
$store
backup:
  buckets:
    - label: bench
      keyFile: $work/bench.key
      url: s3://$2/offsite
      endpoint: $TSVAULT_S3_ENDPOINT
      accessKey: { env: TSVAULT_S3_ACCESS_KEY }
      secretKey: { env: TSVAULT_S3_SECRET_KEY }
servers:
  - name: bench
    url: http://127.0.0.1:1
    apiKey: { file: $work/nvr.key }
YAML
    echo "$work/tsvault.yaml"
}

# CPU seconds the Ceph daemons (gateway and OSD) have used so far.
ceph_cpu() {
    local ticks=0 pid
    for pid in $(cat "$work"/ceph/run/*.pid); do
        ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$ticks $(getconf CLK_TCK)" | awk '{ printf "%.2f", $1 / $2 }'
}
measure() { # label, command... → "label seconds maxrss_kib client_cpu_s ceph_cpu_s"
    local label=$1 before
    shift
    sync
    before=$(ceph_cpu)
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
    read -r wall rss user sys <"$work/time"
    echo "$label $wall $rss $(echo "$user $sys" | awk '{ print $1 + $2 }') $(echo "$(ceph_cpu) $before" | awk '{ print $1 - $2 }')"
}
report() {
    awk -v size="$1" '{ printf "  %-16s %6.2f s  %5.0f MiB/s  peak %4d MiB  cpu: client %5.2f s, ceph %5.2f s\n",
        $1, $2, size/1048576/$2, $3/1024, $4, $5 }'
}
warm() { find "$1" -type f -exec cat {} + >/dev/null; }

export_minutes "$work/input.mp4" "$m" --bitrate 20M
input_sha=$(sha256sum "$work/input.mp4" | cut -d' ' -f1)
input_size=$(stat -c %s "$work/input.mp4")
"$tsvault" ingest "$work/input.mp4" --server bench --channel 1 --archive "$work/archive" --source-sha256 "$input_sha" >/dev/null
size=$(du -sb "$work/archive/blobs" | cut -f1)
echo "archive: $(find "$work/archive/blobs" -type f | wc -l) blobs, $((size / 1048576)) MiB; input $((input_size / 1048576)) MiB"

aws_sync() { # bucket
    measure aws-sync+sha256 bash -c "'$venv/bin/aws' --endpoint-url '$TSVAULT_S3_ENDPOINT' s3 sync --only-show-errors \
        '$work/archive' 's3://$1/archive' --exclude 'tmp/*' --exclude '*.lock' && cd '$work/archive/blobs' && \
        find . -type f -printf '%f %p\n' | awk '{ print \$1 \"  \" \$2 }' | sha256sum --quiet -c"
}

for round in $(seq "$rounds"); do
    echo "round $round"
    fresh_cluster
    aws s3 mb "s3://aws-$round" >/dev/null
    aws s3 mb "s3://push-$round" >/dev/null
    aws s3 mb "s3://ingest-$round" >/dev/null
    cfg=$(config "$work/archive" "push-$round" "")
    warm "$work/archive"
    # Who goes first alternates: the second contender meets a gateway that holds 1 GB more.
    {
        if [ $((round % 2)) = 1 ]; then aws_sync "aws-$round"; fi
        measure push "$tsvault" backup push --config "$cfg" --archive "$work/archive"
        if [ $((round % 2)) = 0 ]; then aws_sync "aws-$round"; fi
    } | report "$size"
    cat "$work/input.mp4" >/dev/null
    rm -rf "$work/local" "$work/s3archive"
    cfg=$(config "$work/s3archive" "push-$round" "ingest-$round")
    {
        measure ingest-local bash -c "'$tsvault' ingest '$work/input.mp4' --server bench --channel 1 --archive '$work/local' \
            --source-sha256 $input_sha && sync"
        measure ingest-s3 "$tsvault" ingest "$work/input.mp4" --server bench --channel 1 --config "$cfg" --source-sha256 "$input_sha"
    } | report "$input_size"
done

# Peak memory against blob size: the same work on blobs ~4x larger.
big_minutes=$(((m + 3) / 4))
export_minutes "$work/big.mp4" "$big_minutes" --bitrate "$big_bitrate"
big_sha=$(sha256sum "$work/big.mp4" | cut -d' ' -f1)
big_size=$(stat -c %s "$work/big.mp4")
rm -rf "$work/bigarchive" "$work/s3archive"
"$tsvault" ingest "$work/big.mp4" --server bench --channel 1 --archive "$work/bigarchive" --source-sha256 "$big_sha" >/dev/null
for archive in archive bigarchive; do
    fresh_cluster
    blobs=$(find "$work/$archive/blobs" -type f | wc -l)
    bytes=$(du -sb "$work/$archive/blobs" | cut -f1)
    largest=$(find "$work/$archive/blobs" -type f -printf '%s\n' | sort -n | tail -1)
    echo "$archive: $blobs blobs, $((bytes / 1048576)) MiB, largest blob $((largest / 1048576)) MiB"
    aws s3 mb "s3://mem-$archive" >/dev/null
    warm "$work/$archive"
    measure push "$tsvault" backup push --config "$(config "$work/$archive" "mem-$archive" "")" \
        --archive "$work/$archive" | report "$bytes"
done
fresh_cluster
aws s3 mb s3://mem-ingest >/dev/null
cfg=$(config "$work/s3archive" mem-push mem-ingest)
cat "$work/big.mp4" >/dev/null
measure ingest-s3 "$tsvault" ingest "$work/big.mp4" --server bench --channel 1 --config "$cfg" --source-sha256 "$big_sha" \
    | report "$big_size"
