"""Suites and datasets: bad input gets a clear error naming the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.evaluation.datasets import DatasetError, guess_language, load_eval_set
from assistant.evaluation.models import ModelError, build_classifier
from assistant.evaluation.suites import (
    SUITES_DIR,
    DatasetSpec,
    SuiteError,
    all_suites,
    load_suite,
)

ALLOWED = {"spam", "ham"}


def _spec(path: Path, **extra: object) -> DatasetSpec:
    return DatasetSpec.model_validate({"path": str(path), **extra})


def _load(path: Path, allowed: set[str] | None = ALLOWED, **extra: object) -> list[str]:
    data = load_eval_set(
        _spec(path, **extra), shared=path.parent, base=path.parent, allowed=allowed
    )
    return data.labels


def test_reads_csv_and_jsonl(tmp_path: Path) -> None:
    csv_file = tmp_path / "d.csv"
    csv_file.write_text("text,label,language\nbuy now,spam,en\nhello,ham,en\n", "utf-8")
    assert _load(csv_file) == ["spam", "ham"]
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text('{"text": "مرحبا", "labels": ["ham"]}\n\n{"text": "x", "label": "spam"}\n')
    data = load_eval_set(_spec(jsonl), shared=tmp_path, base=tmp_path, allowed=ALLOWED)
    assert data.labels == ["ham", "spam"]
    assert data.examples[0].meta["language"] == "ar"  # guessed from the script
    assert data.examples[1].meta["line"] == "3"


def test_unknown_label_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,label\nok,ham\nwin,promo\n", "utf-8")
    with pytest.raises(
        DatasetError,
        match=r"d\.csv line 3: field 'label' has unknown label 'promo'",
    ):
        _load(path)


def test_label_map_renames_and_drops(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,0\nb,1\nc,2\n", "utf-8")
    assert _load(path, label_map={"0": "ham", "1": "spam", "2": None}) == ["ham", "spam"]


def test_missing_and_empty_text(tmp_path: Path) -> None:
    no_column = tmp_path / "a.csv"
    no_column.write_text("body,label\nhi,ham\n", "utf-8")
    with pytest.raises(DatasetError, match=r"a\.csv line 1: missing column 'text'"):
        _load(no_column)
    empty = tmp_path / "b.csv"
    empty.write_text("text,label\nhi,ham\n  ,spam\n", "utf-8")
    with pytest.raises(DatasetError, match=r"b\.csv line 3: field 'text' is empty"):
        _load(empty)
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"text": "hi", "label": "ham"}\n{"label": "spam"}\n', "utf-8")
    with pytest.raises(DatasetError, match=r"c\.jsonl line 2: field 'text' is missing"):
        _load(jsonl)


def test_missing_label(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "hi"}\n', "utf-8")
    with pytest.raises(DatasetError, match=r"d\.jsonl line 1: field 'label' is missing"):
        _load(path)
    path.write_text('{"text": "hi", "label": null}\n{"text": "x", "label": "ham"}\n', "utf-8")
    assert _load(path, skip_unlabeled=True) == ["ham"]


def test_multi_label_rows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "hi", "labels": ["ham", "spam"]}\n', "utf-8")
    with pytest.raises(DatasetError, match=r"line 1: field 'labels' has 2 labels"):
        _load(path)


def test_mixed_encodings(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes("text,label\nمرحبا,ham\n".encode() + "شكرا,ham\n".encode("cp1256"))
    with pytest.raises(DatasetError, match=r"d\.csv line 3: not valid utf-8"):
        _load(path)
    replaced = tmp_path / "r.csv"
    replaced.write_text("text,label\nok,ham\nbad \ufffd text,spam\n", "utf-8")
    with pytest.raises(DatasetError, match=r"r\.csv line 3: field 'text' contains U\+FFFD"):
        _load(replaced)


def test_empty_split(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,label,split\na,ham,train\nb,spam,train\n", "utf-8")
    with pytest.raises(DatasetError, match=r"d\.csv: no rows with split = 'test'"):
        _load(path, split="test")
    assert _load(path, split="train") == ["ham", "spam"]


def test_holdout_and_limit_are_stratified(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    rows = [f"spam text {i},spam" for i in range(20)] + [f"ham text {i},ham" for i in range(80)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", "utf-8")
    held = _load(path, holdout={"share": 0.2})
    assert sorted(held).count("spam") == 4 and len(held) == 20
    assert len(_load(path, limit=10)) == 10


def test_guess_language() -> None:
    assert guess_language("hello there") == "en"
    assert guess_language("مرحبا بكم") == "ar"
    assert guess_language("مرحبا hello") == "mixed"


def _write_suite(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(body, "utf-8")
    return path


def test_suite_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="suite file not found"):
        load_suite(tmp_path / "missing.yaml")
    bad_task = _write_suite(tmp_path, "task: poetry\ndataset: {path: d.csv}\nmodel: {role: spam}\n")
    with pytest.raises(SuiteError, match=r"s\.yaml: key 'task'"):
        load_suite(bad_task)
    both = _write_suite(
        tmp_path, "task: spam\ndataset: {path: d.csv, source: x}\nmodel: {role: spam}\n"
    )
    with pytest.raises(SuiteError, match="exactly one of 'path' and 'source'"):
        load_suite(both)
    metric = _write_suite(
        tmp_path, "task: spam\ndataset: {path: d.csv}\nmodel: {role: spam}\nmetrics: [bleu]\n"
    )
    with pytest.raises(SuiteError, match="unknown metrics"):
        load_suite(metric)
    no_model = _write_suite(tmp_path, "task: spam\ndataset: {path: d.csv}\n")
    with pytest.raises(SuiteError, match="needs a 'model'"):
        load_suite(no_model)


def test_model_not_installed_is_a_clear_error(tmp_path: Path, fake_settings: Settings) -> None:
    path = _write_suite(
        tmp_path, "task: spam\ndataset: {path: d.csv}\nmodel: {backend: no-such-model}\n"
    )
    with pytest.raises(ModelError, match=r"s\.yaml: key 'model'.*no classifier backend named"):
        build_classifier(load_suite(path), fake_settings)
    missing = _write_suite(
        tmp_path,
        "task: spam\ndataset: {path: d.csv}\n"
        f"model: {{backend: head, options: {{artifact: nope, models_dir: '{tmp_path}'}}}}\n",
    )
    with pytest.raises(ModelError, match="model file not found"):
        build_classifier(load_suite(missing), fake_settings)


def test_every_committed_suite_validates() -> None:
    paths = all_suites()
    assert paths, f"no suites in {SUITES_DIR}"
    for path in paths:
        suite = load_suite(path)
        assert suite.name == path.stem
        if not suite.is_classification:
            assert suite.task in ("retrieval", "drafting")
