#!/usr/bin/env bash
# `make test-vcan`: every vcan-marked test under tests/ on a real vcan0, natively when this
# kernel has SocketCAN, else in the qemu VM (run.py). Extra arguments go to pytest.
#
# A native collection runs first: it shows what will run, fails fast on import errors, compiles
# the bytecode the VM then reuses (PYCACHE), and names the files the VM collects, as collecting
# the whole tree again under qemu tcg would take half a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
pycache=${VCAN_PYCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faw-assistant/vcan_vm/pycache}
# No hypothesis plugin: its import alone costs ~15 s under tcg (and vcan tests do not need it).
pytest=("$python" -m pytest -m vcan -p no:cacheprovider -p no:hypothesispytest)

listing=$(PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$pycache" "${pytest[@]}" --collect-only -qq "$@") || {
    status=$?
    echo "$listing"
    echo "pytest-vcan: collecting the vcan tests failed (exit $status)" >&2
    exit "$status"
}
echo "$listing"
mapfile -t files < <(sed -n 's/^\(tests\/.*\.py\): [0-9][0-9]*$/\1/p' <<< "$listing")
if [ ${#files[@]} -eq 0 ]; then
    echo "pytest-vcan: no vcan tests found under tests/ (nothing would run)" >&2
    exit 5
fi
exec "$python" tools/vcan_vm/run.py --pycache "$pycache" -- "${pytest[@]}" "$@" "${files[@]}"
