"""Evaluation and benchmarks (code only; suites and results live under ``eval/``)."""
