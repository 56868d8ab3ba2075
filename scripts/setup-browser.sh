#!/usr/bin/env bash
# What the browser tests (tests/browser) need besides Python: Chromium and its driver from the
# distribution's packages, and axe-core from npm. Nothing downloads a browser. Safe to run again.
# Set MUSHRIF_SKIP_BROWSER=1 to skip (the browser tests then skip too, saying so).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${MUSHRIF_SKIP_BROWSER:-0}" = "1" ]; then
  echo "setup-browser: skipped (MUSHRIF_SKIP_BROWSER=1)"
  exit 0
fi
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --silent
fi
