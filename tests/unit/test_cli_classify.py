"""`mushrif classify` with fake models (configured through MUSHRIF_CONFIG_FILE)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.config import get_settings
from tests.conftest import FAKE_BACKENDS

DEMO_RULES = Path(__file__).resolve().parents[2] / "demo" / "rules.yaml"
runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    config = tmp_path / "mushrif.yaml"
    config.write_text(yaml.safe_dump({"backends": FAKE_BACKENDS.model_dump()}), encoding="utf-8")
    monkeypatch.setenv("MUSHRIF_CONFIG_FILE", str(config))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_one_text_prints_one_json_object() -> None:
    result = runner.invoke(app, ["classify", "كم سعر العباية؟"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "language",
        "intent",
        "offensive",
        "spam",
        "sentiment",
        "action",
        "priority",
        "explanation",
    ):
        assert key in data
    assert (data["language"], data["intent"], data["action"]) == ("ar", "question", "reply")


def test_group_rules_apply() -> None:
    result = runner.invoke(app, ["classify", "ايفون لـلـبـيـع", "--group-rules", str(DEMO_RULES)])
    assert json.loads(result.stdout)["rule_hits"][0]["rule_id"] == "no-reselling"


def test_csv_and_jsonl_files(tmp_path: Path) -> None:
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text('id,text\n1,"you idiot"\n2,"كم الشحن؟"\n3,""\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--input", str(csv_file), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert [r["action"] for r in rows] == ["hide", "reply", "approve"]
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text('{"text": "hello"}\n\n{"text": "كم؟"}\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", "--input", str(jsonl)])
    assert [json.loads(x)["line"] for x in result.stdout.splitlines()] == [1, 3]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"id,body\n1,hi\n", "p.csv", "missing column 'text' (columns found: id, body)"),
        (b"text\nok\n\xff\xfe bad\n", "p.csv", "line 3: not valid utf-8 (byte 0xff)"),
        (b'{"text": "ok"}\n{broken\n', "p.jsonl", "line 2: invalid JSON"),
        (b'{"text": 5}\n', "p.jsonl", "line 1: field 'text' is missing or not text"),
        (b"text\n", "p.xlsx", "unknown format '.xlsx'"),
    ],
)
def test_bad_files_get_one_clear_error(
    tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["classify", "--input", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_windows_arabic_encoding_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("text\nكم السعر؟\n".encode("cp1256"))
    result = runner.invoke(app, ["classify", "--input", str(path), "--encoding", "cp1256"])
    assert result.exit_code == 0 and json.loads(result.stdout)["intent"] == "question"


def test_bad_rules_file_and_bad_arguments(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("keyword_rulez: []\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "hi", "--group-rules", str(rules)])
    assert (
        result.exit_code == 2 and "keyword_rulez: Extra inputs are not permitted" in result.stderr
    )
    assert runner.invoke(app, ["classify"]).exit_code == 2


def test_missing_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MUSHRIF_CONFIG_FILE")
    monkeypatch.setenv("MUSHRIF_MODELS_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = runner.invoke(app, ["classify", "hello"])
    assert result.exit_code == 2
    assert "mushrif train triage" in result.stderr
