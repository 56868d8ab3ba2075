"""Shadow replay of a rules change over labeled posts, with fake models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import evaluate as cli
from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation.datasets import DatasetError
from assistant.evaluation.replay import classify_change, read_replay_posts, replay
from assistant.moderation.analyzer import Analyzer
from assistant.moderation.rules import GroupRules, load_rules

EXAMPLES = PROJECT_ROOT / "eval" / "examples"
POSTS = EXAMPLES / "replay_posts.jsonl"
RULES = EXAMPLES / "replay_rules.yaml"


def test_classify_change() -> None:
    assert classify_change("approve", "approve", "hide") == "false_positive"
    assert classify_change("delete", "approve", "hide") == "caught"
    assert classify_change("hide", "hide", "approve") == "new_miss"
    assert classify_change("reply", "escalate", "reply") == "cleared"
    assert classify_change("hide", "hide", "delete") == "other"


def test_replay_lists_false_positives_first(fake_settings: Settings) -> None:
    posts = read_replay_posts(POSTS, label_field="expected_action", group="abaya_shop")
    result = replay(Analyzer.from_settings(fake_settings), posts, GroupRules(), load_rules(RULES))
    kinds = [c["kind"] for c in result["changes"]]
    assert kinds[0] == "false_positive"
    assert result["changes"][0]["post_id"] == "r-04"
    assert kinds.count("caught") == 2
    assert result["now_hidden_or_escalated"] == 3
    assert result["proposed"]["intervention_recall"] > result["current"]["intervention_recall"]


def test_replay_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"text": "hi", "expected_action": "ban"}\n', "utf-8")
    with pytest.raises(DatasetError, match=r"p\.jsonl line 1: field 'expected_action' is 'ban'"):
        read_replay_posts(path, label_field="expected_action", group=None)
    with pytest.raises(DatasetError, match="no posts of group 'other'"):
        read_replay_posts(POSTS, label_field="expected_action", group="other")


def test_cli_replay(
    tmp_path: Path, fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: fake_settings)
    runner = CliRunner()
    out = tmp_path / "replay.json"
    args = ["replay", "--group", "abaya_shop", "--rules", str(RULES), "--posts", str(POSTS)]
    result = runner.invoke(cli.app, [*args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.index("FALSE_POSITIVE") < result.output.index("CAUGHT")
    assert json.loads(out.read_text("utf-8"))["group"] == "abaya_shop"
    stored = runner.invoke(cli.app, ["replay", "--group", "g", "--rules", str(RULES)])
    assert stored.exit_code == 2
    assert "no database at" in stored.output and "pass --posts FILE" in stored.output
