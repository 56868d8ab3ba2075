#!/usr/bin/env bash
# Set up from scratch and run every test: the fast suite, then the slow (real models) suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Chromium + chromium-driver (apt) and axe-core (npm) for the browser tests.
./scripts/setup-browser.sh
export MUSHRIF_ENVIRONMENT=test
.venv/bin/ruff check assistant tests
.venv/bin/mypy
.venv/bin/python -m pytest -q -m "not slow"
.venv/bin/python -m pytest -q -m slow
