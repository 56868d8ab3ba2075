#!/usr/bin/env bash
# Set up from scratch and run every test: the fast suite, then the slow (real models) suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export MUSHRIF_ENVIRONMENT=test
.venv/bin/ruff check assistant tests
.venv/bin/mypy
.venv/bin/python -m pytest -q -m "not slow"
.venv/bin/python -m pytest -q -m slow
