#!/usr/bin/env bash
# Set up from scratch, then serve the API with the demo group loaded, on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/mushrif serve --demo "$@"
