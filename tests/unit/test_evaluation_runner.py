"""Runs, reports, baselines and comparisons, with fake models through the real registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import evaluate as cli
from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation.compare import compare_runs, load_run, render_text
from assistant.evaluation.datasets import DatasetError
from assistant.evaluation.runner import (
    baseline_of,
    check_baseline,
    evaluate,
    save_baseline,
    write_run,
)
from assistant.evaluation.suites import SuiteError, load_suite

EXAMPLES = PROJECT_ROOT / "eval" / "examples"


@pytest.fixture
def intent_result(fake_settings: Settings) -> dict:
    return evaluate(load_suite(EXAMPLES / "suite.yaml"), fake_settings, progress=False)


def test_intent_suite_on_the_example_set(intent_result: dict) -> None:
    result = intent_result
    assert result["dataset"]["n"] == 18
    primary = result["primary_metric"]
    assert primary["name"] == "macro_f1"
    assert primary["low"] <= primary["value"] <= primary["high"]
    assert set(result["per_class"]) >= {"question", "spam", "greeting_other"}
    assert len(result["confusion_matrix"]["matrix"]) == len(result["labels"])
    assert set(result["slices"]) == {"language", "dialect", "group"}
    assert result["slices"]["language"]["ar"]["n"] == 9
    assert 0 <= result["calibration"]["ece"] <= 1
    assert result["latency"]["posts_per_s"] > 0
    assert "binary" not in result  # 8 labels and no positive_label
    json.dumps(result)


def test_binary_suite_with_split_and_label_map(fake_settings: Settings) -> None:
    result = evaluate(load_suite(EXAMPLES / "spam_suite.yaml"), fake_settings, progress=False)
    assert result["dataset"]["n"] == 6  # train rows left out
    binary = result["binary"]
    assert binary["positive"] == ["spam"]
    assert "roc_auc" in binary and "pr_auc" in binary
    assert binary["threshold_sweep"]["operating_point"] is not None


def test_model_label_map_and_reject(tmp_path: Path, fake_settings: Settings) -> None:
    data = tmp_path / "d.jsonl"
    rows = [
        {"text": "you idiot", "label": "offensive"},
        {"text": "vermin everywhere", "label": "offensive"},
        {"text": "nice day", "label": "normal"},
        {"text": "lovely", "label": "normal"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    suite_file = tmp_path / "s.yaml"
    suite_file.write_text(
        "task: offensive\ndataset: {path: d.jsonl}\n"
        "model: {role: offensive, label_map: {hate: offensive}}\n",
        "utf-8",
    )
    result = evaluate(load_suite(suite_file), fake_settings, progress=False)
    assert sorted(result["labels"]) == ["normal", "offensive"]
    assert result["metrics"]["accuracy"] == 1.0
    suite_file.write_text(
        "task: offensive\ndataset: {path: d.jsonl, label_map: {normal: unsure}}\n"
        "model: {role: offensive, reject: {below: 0.99, label: unsure}}\npositive_label: unsure\n",
        "utf-8",
    )
    rejected = evaluate(load_suite(suite_file), fake_settings, progress=False)
    assert "unsure" in rejected["labels"]
    assert rejected["binary"]["positive"] == ["unsure"]


def test_unknown_positive_label(tmp_path: Path, fake_settings: Settings) -> None:
    suite_file = tmp_path / "s.yaml"
    suite_file.write_text(
        f"task: spam\ndataset: {{path: '{EXAMPLES / 'posts.csv'}'}}\nmodel: {{role: spam}}\n"
        "positive_label: spamm\n",
        "utf-8",
    )
    with pytest.raises(SuiteError, match=r"s\.yaml: key 'positive_label': \['spamm'\]"):
        evaluate(load_suite(suite_file), fake_settings, progress=False)


def test_report_is_self_contained(tmp_path: Path, intent_result: dict) -> None:
    report = write_run(intent_result, tmp_path / "run")
    html = report.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") >= 3  # confusion matrix, reliability curve, slice bars
    for forbidden in ("<script", "http://cdn", "https://", "<link"):
        assert forbidden not in html
    assert json.loads((tmp_path / "run" / "results.json").read_text("utf-8"))["suite"]


def test_baseline_check(tmp_path: Path, intent_result: dict) -> None:
    path = save_baseline(intent_result, tmp_path / "b.json")
    stored = json.loads(path.read_text("utf-8"))
    assert "confusion_matrix" not in stored and stored == baseline_of(intent_result)
    assert check_baseline(intent_result, path).ok
    worse = {**intent_result, "primary_metric": {**intent_result["primary_metric"], "value": 0.1}}
    outcome = check_baseline(worse, path)
    assert not outcome.ok and "BELOW" in outcome.message
    assert not check_baseline(intent_result, tmp_path / "none.json").ok


def test_compare_flags_changes_outside_the_interval(intent_result: dict) -> None:
    reference = json.loads(json.dumps(intent_result))
    reference["confidence_intervals"]["f1:question"] = {"value": 0.85, "low": 0.8, "high": 0.9}
    changed = json.loads(json.dumps(intent_result))
    changed["metrics"]["macro_f1"] = 0.2
    changed["per_class"]["question"]["f1"] = 0.5
    changes = {(c.scope, c.name): c for c in compare_runs(reference, changed)}
    assert changes[("overall", "macro_f1")].outside_ci
    assert changes[("class", "question f1")].outside_ci
    assert not changes[("overall", "accuracy")].outside_ci
    assert ("slice", "language=ar macro_f1") in changes
    assert changes[("class", "question f1")].delta == pytest.approx(
        0.5 - intent_result["per_class"]["question"]["f1"], abs=1e-4
    )
    text = render_text(reference, changed, list(changes.values()))
    assert "OUTSIDE CI" in text


def test_cli_run_save_check_and_compare(
    tmp_path: Path, fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: fake_settings)
    runner = CliRunner()
    suite = str(EXAMPLES / "suite.yaml")
    base = ["run", suite, "--no-progress", "--baselines", str(tmp_path / "baselines")]
    first = runner.invoke(cli.app, [*base, "--output", str(tmp_path / "a"), "--save-baseline"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "baselines" / "example_intent.json").is_file()
    assert (tmp_path / "a" / "example_intent" / "report.html").is_file()
    second = runner.invoke(cli.app, [*base, "--output", str(tmp_path / "b"), "--check-baseline"])
    assert second.exit_code == 0, second.output
    assert "ok:" in second.output
    baseline = tmp_path / "baselines" / "example_intent.json"
    raised = json.loads(baseline.read_text("utf-8"))
    raised["primary_metric"]["low"] = 1.01
    baseline.write_text(json.dumps(raised), "utf-8")
    failing = runner.invoke(cli.app, [*base, "--output", str(tmp_path / "c"), "--check-baseline"])
    assert failing.exit_code == 1
    assert "BELOW" in failing.output
    compared = runner.invoke(
        cli.app, ["compare", str(tmp_path / "a" / "example_intent"), str(baseline)]
    )
    assert compared.exit_code == 0, compared.output
    assert "macro_f1" in compared.output
    assert load_run(tmp_path / "b" / "example_intent")["suite"] == "example_intent"


def test_cli_errors(
    tmp_path: Path, fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: fake_settings)
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: spam\ndataset: {path: nowhere.csv}\nmodel: {role: spam}\n", "utf-8")
    result = runner.invoke(cli.app, ["run", str(bad), "--no-progress"])
    assert result.exit_code == 1
    assert "nowhere.csv: file not found" in result.output
    none = runner.invoke(cli.app, ["compare", str(tmp_path), str(tmp_path)])
    assert none.exit_code == 2 and "no results found" in none.output


def test_suites_needing_shared_data_skip_clearly(
    tmp_path: Path, fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fake_settings.model_copy(update={"shared_data_dir": tmp_path / "absent"})
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    suite = PROJECT_ROOT / "eval" / "suites" / "sentiment_ajgt.yaml"
    result = CliRunner().invoke(cli.app, ["run", str(suite), "--no-progress"])
    assert result.exit_code == 0
    assert "skipped: suite 'sentiment_ajgt' needs the shared datasets" in result.output


def test_feedback_export_is_a_dataset(tmp_path: Path, fake_settings: Settings) -> None:
    """Admins' decisions (``mushrif feedback export``) evaluated with the example suite."""
    records = [
        {
            "text": "كم سعر العباية؟",
            "language": "ar",
            "group_id": "shop",
            "admin_label": "question",
        },
        {"text": "follow my page", "language": "en", "group_id": "shop", "admin_label": "spam"},
        {"text": "hello", "language": "en", "group_id": "shop", "admin_label": None},
        {
            "text": "my order is broken",
            "language": "en",
            "group_id": "shop",
            "admin_label": "complaint",
        },
    ]
    (tmp_path / "feedback.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
    )
    suite_file = tmp_path / "feedback_suite.yaml"
    suite_file.write_text((EXAMPLES / "feedback_suite.yaml").read_text("utf-8"), "utf-8")
    result = evaluate(load_suite(suite_file), fake_settings, progress=False)
    assert result["dataset"]["n"] == 3  # the unlabeled rejection is skipped
    assert set(result["slices"]["group"]) == {"shop"}


def test_example_feedback_export_suite(fake_settings: Settings) -> None:
    """The committed example export (eval/examples/feedback.jsonl) through its suite:
    unlabeled rejections skipped, moderation categories mapped onto intents."""
    result = evaluate(load_suite(EXAMPLES / "feedback_suite.yaml"), fake_settings, progress=False)
    assert result["dataset"]["n"] == 10
    assert result["dataset"]["label_counts"]["abusive"] == 1  # 'offensive' → abusive
    assert result["dataset"]["label_counts"]["feedback"] == 1  # negative_feedback → feedback
    assert set(result["slices"]["group"]) == {"demo-abaya-shop"}
    assert result["per_class"]["spam"]["recall"] == 1.0  # the fake flags 'follow' and 'ربح'


def test_feedback_category_missing_from_the_label_map(
    tmp_path: Path, fake_settings: Settings
) -> None:
    rows = (EXAMPLES / "feedback.jsonl").read_text("utf-8").splitlines()
    custom = json.loads(rows[0])
    custom["admin_label"] = "advertising"  # a category of the group's own rules
    (tmp_path / "feedback.jsonl").write_text(
        "\n".join([*rows[:3], json.dumps(custom, ensure_ascii=False)]) + "\n", "utf-8"
    )
    suite_file = tmp_path / "feedback_suite.yaml"
    suite_file.write_text((EXAMPLES / "feedback_suite.yaml").read_text("utf-8"), "utf-8")
    with pytest.raises(
        DatasetError,
        match=r"feedback\.jsonl line 4: field 'admin_label' has unknown label 'advertising'",
    ):
        evaluate(load_suite(suite_file), fake_settings, progress=False)
