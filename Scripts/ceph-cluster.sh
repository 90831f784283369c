#!/usr/bin/env bash
# A single-node Ceph cluster on loopback for the object-storage tests: one monitor, one OSD on
# the memstore object store (RAM, no disk), the RADOS gateway (S3) with the beast frontend, and
# an S3 user. From Debian's packages (ceph-mon, ceph-osd, radosgw 16.2; install-deps.sh).
#
#   Scripts/ceph-cluster.sh start [DIR]   # prints the S3 endpoint and keys as shell variables
#   Scripts/ceph-cluster.sh stop [DIR]
#   Scripts/ceph-cluster.sh gateway-stop|gateway-start [DIR]   # the fault tests: the S3 gateway alone
#
# DIR defaults to .build/ceph. Everything (config, keys, logs, pids) lives there; stop kills the
# daemons and removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-start}
dir=$(realpath -m "${2:-.build/ceph}")
conf="$dir/ceph.conf"
ceph_args=(-c "$conf")
s3_port=${TSVAULT_CEPH_S3_PORT:-7480}
access_key=tsvault-test-access
secret_key=tsvault-test-secret-0123456789abcdef

# Every daemon started with this directory's configuration: an OSD left from a failed start
# would answer for the next cluster with the old fsid.
stop() {
    pkill -f -- "-c $conf" 2>/dev/null || true
    for _ in $(seq 20); do pgrep -f -- "-c $conf" >/dev/null || break; sleep 0.5; done
    pkill -9 -f -- "-c $conf" 2>/dev/null || true
    rm -rf "$dir"
}

# Waits up to $1 seconds for "$2..." to succeed.
wait_for() {
    local seconds=$1
    shift
    for _ in $(seq "$seconds"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    return 1
}

start_once() {
    stop
    mkdir -p "$dir"/{mon,osd,rgw,log,run}
    local fsid
    fsid=$(cat /proc/sys/kernel/random/uuid)
    cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:${TSVAULT_CEPH_MON_PORT:-3300}
keyring = $dir/keyring
# One OSD: every pool has one copy, placed on this host.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = ${TSVAULT_CEPH_MEMSTORE_BYTES:-6442450944}
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
run dir = $dir/run
admin socket = $dir/run/\$name.asok
ms bind ipv6 = false
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$s3_port
rgw data = $dir/rgw
rgw dns name = localhost
CONF
    # cephx keys of every daemon, imported by the monitor at mkfs.
    ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
    ceph-authtool "$dir/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' >/dev/null
    ceph-authtool "$dir/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
    monmaptool --create --add a "v2:127.0.0.1:${TSVAULT_CEPH_MON_PORT:-3300}" --fsid "$fsid" "$dir/monmap" >/dev/null
    ceph-mon "${ceph_args[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" >>"$dir/log/mkfs.log" 2>&1
    # The daemons' output goes to a file: a daemon holding the caller's stdout open would keep
    # a reader of this script's output (a test reading the keys) waiting for its end forever.
    ceph-mon "${ceph_args[@]}" -i a >>"$dir/log/daemons.out" 2>&1
    wait_for 30 ceph "${ceph_args[@]}" --connect-timeout 5 mon stat || return 1
    local id
    id=$(ceph "${ceph_args[@]}" osd create)
    ceph-osd "${ceph_args[@]}" -i "$id" --mkfs --osd-uuid "$(cat /proc/sys/kernel/random/uuid)" >>"$dir/log/mkfs.log" 2>&1
    ceph-osd "${ceph_args[@]}" -i "$id" >>"$dir/log/daemons.out" 2>&1
    wait_for 60 sh -c "ceph ${ceph_args[*]} osd dump | grep -q '^osd.$id up'" || return 1
    radosgw "${ceph_args[@]}" -n client.rgw.a </dev/null >>"$dir/log/daemons.out" 2>&1
    wait_for 60 curl -sf "http://127.0.0.1:$s3_port/" || return 1
    radosgw-admin "${ceph_args[@]}" user create --uid=tsvault --display-name="tsvault tests" \
        --access-key="$access_key" --secret-key="$secret_key" >/dev/null
}

case "$action" in
    start)
        # One start in a few can leave the OSD never up (a stale map); a second start is clean.
        start_once || { echo "ceph-cluster: first start failed, retrying" >&2; start_once; } || {
            echo "ceph-cluster: the cluster did not come up; logs in $dir/log" >&2
            exit 1
        }
        echo "TSVAULT_S3_ENDPOINT=http://127.0.0.1:$s3_port"
        echo "TSVAULT_S3_ACCESS_KEY=$access_key"
        echo "TSVAULT_S3_SECRET_KEY=$secret_key"
        echo "TSVAULT_CEPH_DIR=$dir"
        ;;
    stop) stop ;;
    gateway-stop)
        # Killed, as a crash or a power cut would: no request in flight is finished.
        pkill -9 -f -- "radosgw -c $conf" 2>/dev/null || true
        for _ in $(seq 40); do pgrep -f -- "radosgw -c $conf" >/dev/null || exit 0; sleep 0.25; done
        ;;
    gateway-start)
        # No descriptor of the caller's goes to the daemon: a caller that learns of this
        # script's exit through one (Foundation's Process does) would wait for the gateway too.
        (
            for fd in /proc/self/fd/*; do
                n=${fd##*/}
                if [ "$n" -gt 2 ]; then eval "exec $n>&-" 2>/dev/null || true; fi
            done
            exec radosgw "${ceph_args[@]}" -n client.rgw.a </dev/null >>"$dir/log/daemons.out" 2>&1
        )
        wait_for 60 curl -sf "http://127.0.0.1:$s3_port/" || { echo "ceph-cluster: the gateway did not come back" >&2; exit 1; }
        ;;
    *)
        echo "usage: $0 start|stop|gateway-stop|gateway-start [DIR]" >&2
        exit 64
        ;;
esac
