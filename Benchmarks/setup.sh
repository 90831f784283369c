# Sourced by the benchmark scripts (from the repository root): release builds of tsvault and
# tsapi-sim, the python venv for the export helpers ($venv), and a work directory ($work)
# removed on exit.
swift build -c release --product tsvault >/dev/null
swift build -c release --product tsapi-sim >/dev/null
venv=.build/pyenv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q requests websockets; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
