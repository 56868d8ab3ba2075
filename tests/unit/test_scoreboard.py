"""`mushrif bench`'s quality figures: read from the recorded reports, compared strictly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from assistant.config import PROJECT_ROOT
from assistant.evaluation.scoreboard import TARGETS_FILE, load_targets, lookup, scoreboard


def _write(root: Path, figures: list[dict[str, object]], reports: dict[str, object]) -> None:
    (root / "eval").mkdir(parents=True, exist_ok=True)
    (root / TARGETS_FILE).write_text(yaml.safe_dump({"version": 1, "figures": figures}), "utf-8")
    for name, report in reports.items():
        (root / name).write_text(json.dumps(report), "utf-8")


def _figure(targets: dict[str, float], *sources: tuple[str, dict[str, str]]) -> dict[str, object]:
    return {
        "id": "f",
        "title": "a figure",
        "targets": targets,
        "sources": [
            {"label": f"s{i}", "file": file, "keys": keys, "command": "mushrif x"}
            for i, (file, keys) in enumerate(sources)
        ],
    }


def test_a_figure_just_below_its_target_is_not_reached(tmp_path: Path) -> None:
    figure = _figure({"macro_f1": 0.98}, ("a.json", {"macro_f1": "m.f1"}))
    for value, reached in ((0.9796, False), (0.98, True), (0.99, True)):
        _write(tmp_path, [figure], {"a.json": {"m": {"f1": value}}})
        [result] = scoreboard(tmp_path)
        assert result.reached is reached
        assert result.sources[0].values == {"macro_f1": value}


def test_every_target_of_a_figure_must_be_reached_by_one_source(tmp_path: Path) -> None:
    figure = _figure(
        {"in_scope_accuracy": 0.96, "oos_recall": 0.75},
        ("a.json", {"in_scope_accuracy": "acc", "oos_recall": "rec"}),
        ("b.json", {"in_scope_accuracy": "acc", "oos_recall": "rec"}),
    )
    reports = {"a.json": {"acc": 0.97, "rec": 0.70}, "b.json": {"acc": 0.95, "rec": 0.80}}
    _write(tmp_path, [figure], reports)
    [result] = scoreboard(tmp_path)
    assert [s.reached for s in result.sources] == [False, False] and not result.reached
    reports["b.json"] = {"acc": 0.961, "rec": 0.751}
    _write(tmp_path, [figure], reports)
    assert scoreboard(tmp_path)[0].reached


def test_missing_reports_and_keys_are_shown_not_raised(tmp_path: Path) -> None:
    figure = _figure(
        {"macro_f1": 0.5},
        ("gone.json", {"macro_f1": "f1"}),
        ("a.json", {"macro_f1": "f1.nope"}),
        ("bad.json", {"macro_f1": "f1"}),
    )
    _write(tmp_path, [figure], {"a.json": {"f1": 0.9}})
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    [result] = scoreboard(tmp_path)
    missing = [s.missing or "" for s in result.sources]
    assert "not found" in missing[0] and "f1.nope" in missing[1] and "not valid JSON" in missing[2]
    assert not result.reached


def test_lookup_reads_numbers_only() -> None:
    report = {"a": {"b": 0.5, "flag": True, "text": "0.9"}, "results": {"x (y, z)": {"f": 1}}}
    assert lookup(report, "a.b") == 0.5
    assert lookup(report, "results.x (y, z).f") == 1.0
    assert lookup(report, "a.flag") is None and lookup(report, "a.text") is None
    assert lookup(report, "a.b.c") is None and lookup(None, "a") is None


def test_a_source_without_a_key_for_a_target_is_refused(tmp_path: Path) -> None:
    figure = _figure(
        {"in_scope_accuracy": 0.96, "oos_recall": 0.75}, ("a.json", {"oos_recall": "r"})
    )
    _write(tmp_path, [figure], {})
    with pytest.raises(ValidationError, match="in_scope_accuracy"):
        load_targets(tmp_path / TARGETS_FILE)


def test_the_shipped_targets_resolve_to_recorded_numbers() -> None:
    results = scoreboard(PROJECT_ROOT)
    assert {r.id for r in results} >= {"osact", "lhsab", "olid", "sms", "youtube", "ajgt"}
    assert {r.id for r in results} >= {"banking77", "arbanking77", "clinc150", "triage"}
    assert [(r.id, s.label, s.missing) for r in results for s in r.sources if s.missing] == []


def test_bench_without_speed_prints_the_quality_figures() -> None:
    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["bench", "--no-speed"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert "speed" not in printed
    assert [f["id"] for f in printed["quality"]] == [r.id for r in scoreboard(PROJECT_ROOT)]
    reached = sum(f["reached"] for f in printed["quality"])
    assert printed["quality_reached"] == f"{reached} of {len(printed['quality'])}"


def test_bench_refuses_a_run_of_no_posts() -> None:
    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["bench", "--posts", "0"])
    assert result.exit_code == 2
    assert "posts" in result.output
