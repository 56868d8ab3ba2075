#!/usr/bin/env bash
# Create .venv and install Mushrif with everything its tests need. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU build of torch must come first: an unpinned torch pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
# `llm`: llama-cpp-python builds from source the first time (~4 min on 2 idle cores; needs gcc,
# g++, cmake); pip caches the wheel, so later runs take seconds.
.venv/bin/python -m pip install --quiet -e ".[sentence-transformers,finetune,postgres,llm,dev]"
