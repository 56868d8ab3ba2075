"""`mushrif bench` end to end on the real models: quality from the reports, speed measured."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app

pytestmark = pytest.mark.slow


def test_bench_measures_speed_with_the_real_models() -> None:
    result = CliRunner().invoke(app, ["bench", "--posts", "128", "--repeats", "2"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    speed = printed["speed"]
    assert len(speed["batch_posts_per_s_runs"]) == 2 and speed["posts_per_run"] == 128
    assert speed["batch_posts_per_s_median"] > 0 and speed["load_and_warmup_s"] > 0
    assert 0 < speed["single_ms_p50"] <= speed["single_ms_p95"]
    assert speed["rules"].endswith("rules.yaml")
    machine = speed["machine"]
    assert machine["cpus"] >= 1 and machine["load_average_1min_before"] >= 0
    assert printed["quality"] and all("reached" in f for f in printed["quality"])
