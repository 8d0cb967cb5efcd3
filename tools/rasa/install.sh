#!/usr/bin/env bash
# Build the separate Rasa 3.6 virtualenv (.rasa-venv) used by the `rasa` NLU backend.
# Rasa 3.6 declares Python <= 3.10; it installs and runs on 3.11 with these pins
# (see ../shared/spec/PRODUCT.md). matplotlib 3.5.3 has no cp311 wheel, so it is
# built against the system freetype/qhull (Debian libfreetype-dev libqhull-dev pkg-config).
# A stamp file marks a complete install, so a half-built venv is never used.
# Usage: tools/rasa/install.sh [VENV] [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${1:-.rasa-venv}
PYTHON=${2:-python3}
export RASA_TELEMETRY_ENABLED=false
export MPLSETUPCFG="$PWD/tools/rasa/mplsetup.cfg"
rm -f "$VENV/.rasa-installed"
[ -x "$VENV/bin/pip" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip wheel setuptools
"$VENV/bin/pip" install --ignore-requires-python \
  rasa==3.6.21 \
  scipy==1.10.1 numpy==1.23.5 scikit-learn==1.1.3 \
  jax==0.4.13 jaxlib==0.4.13 ml-dtypes==0.2.0 dask==2022.10.2 \
  matplotlib==3.5.3 \
  jieba==0.42.1
"$VENV/bin/rasa" --version
touch "$VENV/.rasa-installed"
echo "rasa: installed in $VENV"
