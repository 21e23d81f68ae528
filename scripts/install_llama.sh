#!/usr/bin/env bash
# Installs llama-cpp-python (requirements-llama.txt) into .venv. PyPI has no Linux wheel: pip compiles
# llama.cpp, about 6 minutes on two cores once, then reuses the wheel from its cache.
#
# The build is portable x86-64 (AVX2, FMA, F16C), not -march=native: these machines report AMX, whose
# tiles the hypervisor does not enable, so a native build dies with "Illegal instruction" on the first
# token. A two-token smoke test catches a cached wheel built otherwise and rebuilds it once.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq cmake build-essential >/dev/null
fi
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
.venv/bin/python -m pip install --quiet --no-deps -r requirements-llama.txt
if ! PYTHONPATH=. .venv/bin/python scripts/llama_smoke.py >/dev/null 2>&1; then
  echo "llama-cpp-python failed its smoke test: rebuilding it without pip's cache" >&2
  .venv/bin/python -m pip install --quiet --force-reinstall --no-deps --no-cache-dir -r requirements-llama.txt
  PYTHONPATH=. .venv/bin/python scripts/llama_smoke.py
fi
