"""``mushrif draft`` and ``mushrif kb`` on KB directories, with fake models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.draft import draft
from assistant.cli.kb import app as kb_app
from assistant.config import get_settings

app = typer.Typer()
app.command("draft")(draft)
app.add_typer(kb_app, name="kb")
runner = CliRunner()


@pytest.fixture(autouse=True)
def _fake_models(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MUSHRIF_BACKENDS__EMBEDDER", '{"name": "fake"}')
    monkeypatch.setenv("MUSHRIF_BACKENDS__FAST_EMBEDDER", '{"name": "fake"}')
    monkeypatch.setenv("MUSHRIF_ANSWERING__RETRIEVAL__DENSE_FLOOR", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_draft_prints_text_sources_confidence_and_generator() -> None:
    result = runner.invoke(app, ["draft", "--group", "demo", "How much is shipping?"])
    assert result.exit_code == 0, result.output
    assert "sources:" in result.output
    assert "confidence:" in result.output
    assert "generator: grounded" in result.output


def test_draft_json_and_escalation() -> None:
    result = runner.invoke(app, ["draft", "--json", "Where is my order #55555?"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["escalate"] is True
    assert payload["reason"].startswith("needs a human")


def test_draft_with_a_missing_generator_file_exits_with_a_hint() -> None:
    result = runner.invoke(
        app,
        ["draft", "--generator", "llama-cpp", "--generator-option", "model_path=/no/m.gguf", "hi"],
    )
    assert result.exit_code == 2
    assert "model_path" in result.output


def test_kb_import_then_show_and_reimport_updates(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    source = tmp_path / "faq.csv"
    source.write_text("id,question,answer,lang\nhours,When are you open?,9 to 5.,en\n", "utf-8")
    first = runner.invoke(app, ["kb", "import", "--kb", str(kb_dir), str(source)])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["added"] == 1
    source.write_text("id,question,answer,lang\nhours,When are you open?,10 to 6.,en\n", "utf-8")
    second = runner.invoke(app, ["kb", "import", "--kb", str(kb_dir), str(source)])
    assert json.loads(second.output)["updated"] == 1
    shown = runner.invoke(app, ["kb", "show", "--kb", str(kb_dir), "--json"])
    assert "10 to 6." in shown.output
    listed = runner.invoke(app, ["kb", "show", "--group", "demo"])
    assert "delivery-time" in listed.output


def test_kb_import_rejects_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    result = runner.invoke(app, ["kb", "import", "--kb", str(tmp_path / "kb"), str(bad)])
    assert result.exit_code == 2
    assert "invalid JSON" in result.output
