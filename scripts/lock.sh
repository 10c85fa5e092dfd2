#!/usr/bin/env bash
# Regenerate the locks from pyproject.toml: requirements.lock (dev, tests and demo) and
# requirements.prod.lock (what the Docker image installs).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install --quiet uv
.venv/bin/uv pip compile --quiet pyproject.toml --extra dev --extra demo --python-version 3.11 -o requirements.lock
.venv/bin/uv pip compile --quiet pyproject.toml --python-version 3.11 -o requirements.prod.lock
