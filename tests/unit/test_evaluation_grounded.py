"""Retrieval and drafting suites with fakes: figures, slices, reports, baselines, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import evaluate as cli
from assistant.config import (
    PROJECT_ROOT,
    AnsweringSettings,
    ConfidenceSettings,
    RetrievalSettings,
    Settings,
)
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import DatasetError
from assistant.evaluation.grounded import Outcome, Question, drafting_figures, escalation_figures
from assistant.evaluation.models import ModelError
from assistant.evaluation.runner import check_baseline, evaluate, save_baseline, write_run
from assistant.evaluation.suites import SuiteError, load_suite

KB = {
    "version": 1,
    "group": "shop",
    "entries": [
        {
            "id": "delivery-time",
            "kind": "policy",
            "text": {
                "en": {
                    "title": "How long does delivery take?",
                    "body": "Delivery takes 3 to 5 working days.",
                },
                "ar": {"title": "كم مدة التوصيل؟", "body": "التوصيل من ٣ إلى ٥ أيام عمل."},
            },
        },
        {
            "id": "payment",
            "kind": "policy",
            "text": {"en": {"title": "How can I pay?", "body": "Mada, Visa or cash on delivery."}},
        },
        {
            "id": "black-abaya",
            "kind": "product",
            "text": {"en": {"title": "Black Abaya", "body": "Plain crepe abaya."}},
            "product": {"price": 250, "currency": "SAR", "sizes": ["52", "54"]},
        },
    ],
}
QUESTIONS = [
    {
        "id": "q1",
        "text": "How long does delivery take?",
        "language": "en",
        "gold": ["delivery-time"],
    },
    {
        "id": "q2",
        "text": "كم مدة التوصيل؟",
        "language": "ar",
        "dialect": "msa",
        "gold": "delivery-time",
    },
    {
        "id": "q3",
        "text": "How can I pay?",
        "language": "en",
        "gold": ["payment"],
        "reference": "Mada, Visa or cash on delivery.",
    },
    {"id": "q4", "text": "Black Abaya price", "language": "en", "gold": ["black-abaya"]},
    {"id": "q5", "text": "zzzz qqqq xxxx", "language": "en", "gold": []},
    {
        "id": "q6",
        "text": "I want a refund for my order 5521",
        "language": "en",
        "gold": "unanswerable",
    },
]


def _settings(base: Settings) -> Settings:
    """Fake embedders; calibration loosened for trigram cosines (as the drafting tests do)."""
    answering = AnsweringSettings(
        retrieval=RetrievalSettings(dense_floor=0.0, fast_embedder_share=0.0),
        confidence=ConfidenceSettings(center=0.2, slope=10, unknown_weight=6.0),
    )
    return base.model_copy(update={"answering": answering})


def _write(tmp_path: Path, rows: list[dict], extra: str = "") -> Path:
    (tmp_path / "kb.json").write_text(json.dumps(KB, ensure_ascii=False), "utf-8")
    (tmp_path / "q.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "task: retrieval\ndataset: {path: q.jsonl}\n"
        f"grounded: {{knowledge_base: kb.json, k: [1, 2]{extra}}}\n"
        "bootstrap_resamples: 200\n",
        "utf-8",
    )
    return suite


@pytest.fixture
def settings(fake_settings: Settings) -> Settings:
    return _settings(fake_settings)


@pytest.fixture
def result(tmp_path: Path, settings: Settings) -> dict:
    return evaluate(load_suite(_write(tmp_path, QUESTIONS)), settings, progress=False)


def test_retrieval_suite_figures(result: dict) -> None:
    metrics = result["metrics"]
    assert result["task"] == "retrieval"
    assert result["dataset"]["label_counts"] == {"answerable": 4, "unanswerable": 2}
    assert metrics["n_answerable"] == 4 and metrics["n_unanswerable"] == 2
    # exact titles are found first
    assert metrics["hit_at_1"] >= 0.75
    assert metrics["hit_at_2"] >= metrics["hit_at_1"]
    assert 0 < metrics["mrr"] <= 1
    primary = result["primary_metric"]
    assert primary["name"] == "hit_at_1" and primary["value"] == metrics["hit_at_1"]
    assert primary["low"] <= primary["value"] <= primary["high"]
    # words the KB does not know, and a refund for one order, escalate
    assert metrics["unanswerable_escalated"] == 1.0
    assert set(result["escalation_reasons"]) == {
        "low confidence",
        "needs a human: asks about a specific order",
    }
    assert metrics["escalation_recall"] == 1.0
    assert metrics["faithfulness_violations"] == 0
    assert metrics["n_with_reference"] == 1 and metrics["token_f1"] is not None
    languages = result["slices"]["language"]
    assert set(languages) == {"ar", "en"}
    assert languages["ar"]["n_answerable"] == 1 and languages["en"]["n_unanswerable"] == 2
    assert result["latency"]["per_question"]["p50_ms"] > 0
    json.dumps(result)


def test_grounded_report_and_baseline(tmp_path: Path, result: dict) -> None:
    report = write_run(result, tmp_path / "run")
    html = report.read_text("utf-8")
    assert "hit@1 by language" in html and "Escalation and drafts" in html
    assert html.count("<svg") >= 2
    assert "<script" not in html and "https://" not in html
    path = save_baseline(result, tmp_path / "b.json")
    stored = json.loads(path.read_text("utf-8"))
    assert "misses" not in stored and "over_escalations" not in stored
    assert stored["primary_metric"]["name"] == "hit_at_1"
    assert check_baseline(result, path).ok
    worse = {**result, "primary_metric": {**result["primary_metric"], "value": -0.01}}
    assert not check_baseline(worse, path).ok


def test_misses_name_the_wrong_hits(tmp_path: Path, settings: Settings) -> None:
    rows = [{**QUESTIONS[0], "gold": ["payment"]}, QUESTIONS[2]]
    result = evaluate(load_suite(_write(tmp_path, rows)), settings, progress=False)
    assert result["metrics"]["hit_at_1"] == 0.5
    miss = result["misses"][0]
    assert miss["id"] == "q1" and miss["gold"] == ["payment"] and miss["got"][0] == "delivery-time"
    assert result["metrics"]["answerable_answered_wrong"] == 0.5


def test_escalation_and_faithfulness_figures() -> None:
    def outcome(gold: list[str], escalated: bool, problems: list[str] = []) -> Outcome:  # noqa: B006
        q = Question("x", "t", gold, "en", "none", [], 1)
        return Outcome(q, ["a"], escalated, "", 0.5, "grounded", "t", violations=problems)

    outcomes = [
        outcome(["a"], False),
        outcome(["a"], True),
        outcome([], True),
        outcome([], False, ["number 90 is not in the sources"]),
    ]
    escalation = escalation_figures(outcomes)
    assert escalation["escalation_precision"] == 0.5
    assert escalation["escalation_recall"] == 0.5
    assert escalation["answerable_answered"] == 0.5
    figures = drafting_figures(outcomes, resamples=0, seed=1)["figures"]
    assert figures["shipped_drafts"] == 2
    assert figures["faithfulness_violations"] == 1
    assert figures["faithfulness_violation_rate"] == 0.5


def test_token_f1_and_bootstrap_mean() -> None:
    assert m.token_f1("delivery takes 3 days", ["Delivery takes 3 to 5 days"]) == pytest.approx(
        2 * (4 / 4) * (4 / 6) / (4 / 4 + 4 / 6), abs=1e-4
    )
    assert m.token_f1("التوصيل ٣ أيام", ["التوصيل 3 ايام"]) == 1.0
    assert m.token_f1("nothing", ["else", "entirely"]) == 0.0
    ci = m.bootstrap_mean([1, 0, 1, 1, 0, 1, 1, 1], resamples=300, seed=3)
    assert ci["low"] < ci["value"] == 0.75 < ci["high"]
    assert m.bootstrap_mean([1, 1, 1], resamples=100) == {"value": 1.0, "low": 1.0, "high": 1.0}
    assert m.bootstrap_mean([]) == {}


def test_context_mode_scores_answer_spans(tmp_path: Path, settings: Settings) -> None:
    rows = [
        {
            "question": "How many points did the defense give up?",
            "context": "The defense gave up just 308 points. The team won the title.",
            "answers": ["308"],
            "lang": "en",
        },
        {
            "question": "Who won the title?",
            "context": "The defense gave up just 308 points. The team won the title.",
            "answers": ["The team"],
            "lang": "en",
        },
    ]
    (tmp_path / "x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    suite = tmp_path / "x.yaml"
    suite.write_text(
        "task: drafting\ndataset: {path: x.jsonl, text_field: question, language_field: lang}\n"
        "grounded: {k: [1]}\nbootstrap_resamples: 100\n",
        "utf-8",
    )
    result = evaluate(load_suite(suite), settings, progress=False)
    assert result["primary_metric"]["name"] == "token_f1"
    assert result["metrics"]["n_answerable"] == 2  # gold = the sentence holding the answer
    assert result["metrics"]["n_with_reference"] == 2
    assert result["model"]["knowledge_base"] == "each row's context field"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"id": "b", "text": "hi", "gold": ["no-such-entry"]},
            r"line 2: field 'gold' names unknown KB entries \['no-such-entry'\]",
        ),
        ({"id": "b", "text": "hi"}, r"line 2: field 'gold' is missing"),
        ({"id": "b", "text": "  ", "gold": []}, r"line 2: field 'text' is empty"),
        ({"id": "b", "text": "hi", "gold": 3}, r"line 2: field 'gold' must be a list"),
        (
            {"id": "b", "text": "hi", "gold": ["payment", "unanswerable"]},
            r"line 2: field 'gold' mixes",
        ),
        (
            {"id": "b", "text": "bad \ufffd bytes", "gold": []},
            r"line 2: field 'text' contains U\+FFFD",
        ),
    ],
)
def test_bad_question_rows_name_file_line_and_field(
    tmp_path: Path, settings: Settings, row: dict, message: str
) -> None:
    suite = load_suite(_write(tmp_path, [QUESTIONS[0], row]))
    with pytest.raises(DatasetError, match=r"q\.jsonl " + message):
        evaluate(suite, settings, progress=False)


def test_invalid_utf8_names_the_line(tmp_path: Path, settings: Settings) -> None:
    suite = load_suite(_write(tmp_path, QUESTIONS[:1]))
    with (tmp_path / "q.jsonl").open("ab") as fh:
        fh.write(b'{"text": "' + "سؤال".encode("cp1256") + b'", "gold": []}\n')
    with pytest.raises(DatasetError, match=r"q\.jsonl line 2: not valid utf-8"):
        evaluate(suite, settings, progress=False)


def test_empty_split_and_missing_kb(tmp_path: Path, settings: Settings) -> None:
    suite_file = _write(tmp_path, QUESTIONS)
    text = suite_file.read_text("utf-8").replace("{path: q.jsonl}", "{path: q.jsonl, split: test}")
    suite_file.write_text(text, "utf-8")
    with pytest.raises(
        DatasetError, match=r"q\.jsonl: no rows with split = 'test': the split is empty"
    ):
        evaluate(load_suite(suite_file), settings, progress=False)
    suite_file.write_text(
        suite_file.read_text("utf-8").replace(", split: test", "").replace("kb.json", "nokb.json"),
        "utf-8",
    )
    with pytest.raises(DatasetError, match=r"grounded.knowledge_base': .*nokb\.json"):
        evaluate(load_suite(suite_file), settings, progress=False)


def test_generator_that_is_not_installed(tmp_path: Path, settings: Settings) -> None:
    suite = load_suite(_write(tmp_path, QUESTIONS, extra=", generator: no-such-llm"))
    with pytest.raises(
        ModelError, match=r"s\.yaml: key 'grounded.generator': generator 'no-such-llm'"
    ):
        evaluate(suite, settings, progress=False)


def test_suite_keys_are_checked_per_task(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("task: retrieval\ndataset: {path: q.jsonl}\nprimary_metric: macro_f1\n")
    with pytest.raises(SuiteError, match="primary_metric macro_f1 is not a retrieval metric"):
        load_suite(path)
    path.write_text("task: retrieval\ndataset: {path: q.jsonl}\nmodel: {role: intent}\n")
    with pytest.raises(SuiteError, match="takes 'grounded'"):
        load_suite(path)
    path.write_text(
        "task: intent\ndataset: {path: q.jsonl}\nmodel: {role: intent}\nprimary_metric: hit_at_1\n"
    )
    with pytest.raises(SuiteError, match="not a intent metric"):
        load_suite(path)


def test_cli_prints_per_language_figures(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    suite = _write(tmp_path, QUESTIONS)
    out = CliRunner().invoke(
        cli.app, ["run", str(suite), "--no-progress", "--output", str(tmp_path / "o")]
    )
    assert out.exit_code == 0, out.output
    assert "hit_at_1" in out.output
    assert "ar hit@1 1.000" in out.output and "unanswerable escalated 1.000 (n=2)" in out.output
    assert (tmp_path / "o" / "s" / "report.html").is_file()


def test_committed_faq_suites_validate() -> None:
    for name in (
        "retrieval_demo_faq",
        "retrieval_demo_faq_blind",
        "retrieval_demo_faq_blind_2",
        "drafting_xquad",
    ):
        suite = load_suite(PROJECT_ROOT / "eval" / "suites" / f"{name}.yaml")
        assert suite.task in ("retrieval", "drafting")
    blind = load_suite(PROJECT_ROOT / "eval" / "suites" / "retrieval_demo_faq_blind.yaml")
    assert blind.grounded_spec.generator is None and blind.grounded_spec.escalate_below is None


@pytest.mark.parametrize("blind", ["faq_questions_blind", "faq_questions_blind_2"])
def test_blind_question_set_is_well_formed(blind: str) -> None:
    """Each blind set: >= 120 questions, >= 20 unanswerable, every dialect and script, gold ids
    that exist in the demo KB, no question copied from the test or dev sets."""
    from assistant.answering.kb import load_kb
    from assistant.text.normalize import normalize

    path = PROJECT_ROOT / "eval" / "datasets" / f"{blind}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert len(rows) >= 120 and len({r["id"] for r in rows}) == len(rows)
    assert sum(not r["gold"] for r in rows) >= 20
    assert {r["language"] for r in rows} == {"ar", "en", "mixed", "arabizi"}
    assert {"gulf", "levantine", "egyptian", "msa", "none"} <= {r["dialect"] for r in rows}
    known = {e.id for e in load_kb(PROJECT_ROOT / "demo" / "kb").entries}
    assert {g for r in rows for g in r["gold"]} == known  # every entry is asked about
    others = [
        PROJECT_ROOT / "eval" / "datasets" / "faq_questions.jsonl",
        PROJECT_ROOT / "eval" / "answering" / "dev_questions.jsonl",
    ]
    seen = {
        normalize(json.loads(line)["text"]).normalized
        for p in others
        for line in p.read_text("utf-8").splitlines()
    }
    copied = [r for r in rows if normalize(r["text"]).normalized in seen]
    if blind == "faq_questions_blind":  # coincidences were rephrased before its first run
        assert not copied
    else:  # written independently: only short everyday questions coincide (asked leave-one-out)
        assert len(copied) <= len(rows) // 20 and all(len(r["text"].split()) <= 8 for r in copied)


def test_compare_grounded_runs(result: dict) -> None:
    from assistant.evaluation.compare import compare_runs, render_text

    worse = json.loads(json.dumps(result))
    worse["metrics"]["hit_at_1"] = 0.1
    worse["slices"]["language"]["en"]["hit_at_1"] = 0.1
    changes = {(c.scope, c.name): c for c in compare_runs(result, worse)}
    assert changes[("overall", "hit_at_1")].outside_ci
    assert not changes[("overall", "mrr")].outside_ci
    assert ("slice", "language=en hit_at_1") in changes
    assert "OUTSIDE CI" in render_text(result, worse, list(changes.values()))
