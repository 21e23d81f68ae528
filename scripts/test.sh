#!/usr/bin/env bash
# Sets up everything the tests need (Chromium, .venv with dev tools) and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages: Chromium for the browser tests, PostgreSQL for the shared-history tests (the tests
# start their own private server on loopback; the package's own cluster is not used).
packages=""
command -v chromium >/dev/null 2>&1 || packages="chromium"
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages="$packages postgresql"
if [ -n "$packages" ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $packages >/dev/null
fi
bash scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/python -m pytest -m "" "$@"  # every tier: quick, slow, browser and soak
