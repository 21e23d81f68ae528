#!/usr/bin/env bash
# Installs the peer benchmark tools (requirements-peers.txt) into .venv, for benchmarks/peer_guidellm.py.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install --quiet -r requirements-peers.txt
