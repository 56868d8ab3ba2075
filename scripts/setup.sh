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
# g++, cmake). Built for this CPU (llama.cpp's default -march=native), its first decode segfaulted
# on a Xeon with AMX (2026-12-07), so it is built for AVX2 without the native extras, once, into
# a wheel directory of its own (pip's wheel cache would hand back a native build).
LLAMA_CPP_VERSION=0.3.36  # the `llm` extra's pin in pyproject.toml
LLAMA_WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/mushrif/wheels/llama-cpp-avx2"
if ! ls "$LLAMA_WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl >/dev/null 2>&1; then
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    .venv/bin/python -m pip wheel --quiet --no-deps --no-cache-dir --wheel-dir "$LLAMA_WHEELS" \
    "llama-cpp-python==$LLAMA_CPP_VERSION"
fi
.venv/bin/python -m pip install --quiet --no-deps --force-reinstall \
  "$LLAMA_WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl
.venv/bin/python -m pip install --quiet -e ".[sentence-transformers,finetune,postgres,llm,dev]"
