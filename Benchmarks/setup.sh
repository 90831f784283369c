# Sourced by the benchmark scripts (from the repository root): release builds of tsvault and
# tsapi-sim, the python venv for the export helpers ($venv), a work directory ($work) removed on
# exit, `export_minutes` and `empty_page_cache`.
swift build -c release --product tsvault >/dev/null
swift build -c release --product tsapi-sim >/dev/null
venv=.build/pyenv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q requests websockets; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Exports channel 1 from 10:00 for MINUTES minutes (recorder time, 2026-11-25) into OUTPUT, from
# a tsapi-sim started for it with SIMULATOR_OPTIONS (picture, bitrate, GOP) and stopped after.
export_minutes() { # output, minutes, simulator options...
    local output=$1 minutes=$2 end
    shift 2
    end=$(printf '%02d:%02d:00' $((10 + minutes / 60)) $((minutes % 60)))
    SIM_BIN=.build/release/tsapi-sim Scripts/with-sim.sh \
        --sim-args "$* --ttl 30000 --now 2026-11-25T23:00:00+09:00 --days 2" -- \
        bash -c "$venv/bin/python Benchmarks/fetch_export.py \"\$SIM_URL\" \"\$TSVAULT_API_KEY\" \
            --begin 2026-11-25T10:00:00+09:00 --end 2026-11-25T$end+09:00 --out '$output'"
}

# Writes dirty pages out and empties the page cache (where allowed), so that each contender starts
# from the same state. Exported: the scripts also call it inside `Scripts/with-sim.sh ... bash -c`.
empty_page_cache() {
    sync
    if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}
export -f empty_page_cache
