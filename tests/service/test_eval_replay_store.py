"""Shadow replay and feedback-as-data over a real store (SQLite; PostgreSQL with -m postgres)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.cli import evaluate as cli
from assistant.config import PROJECT_ROOT, Settings
from assistant.evaluation.replay import (
    expected_action,
    stored_group_rules,
    stored_replay_posts,
)
from assistant.evaluation.runner import evaluate
from assistant.evaluation.suites import load_suite
from assistant.schemas import Priority
from assistant.store import auth, groups
from assistant.store.db import Store
from assistant.store.models import Post, QueueItem
from assistant.store.queue import (
    Actor,
    NewItem,
    add_items,
    approve_item,
    feedback_records,
    reject_item,
)
from tests.service.conftest import service_settings

EXAMPLES = PROJECT_ROOT / "eval" / "examples"
RULES = EXAMPLES / "replay_rules.yaml"  # proposal: hide posts that mention selling
CURRENT_RULES = """\
version: 1
keyword_rules:
  - id: no-crypto
    category: spam
    action: hide
    words: ["crypto"]
"""
# text, item kind, suggested action, decision, admin label
POSTS = [
    ("عباية مستعملة للبيع بسعر حلو", "reply", "reply", "reject", "spam"),
    ("is the new abaya for sale in the shop or online only?", "reply", "reply", "approve", None),
    ("كم سعر العباية السوداء؟", "reply", "reply", "approve", None),
    ("you idiot", "moderation", "hide", "approve", None),
    ("lovely colours, see you at the showroom", "moderation", "hide", "reject", None),
    ("for sale: my old abaya, barely used", "moderation", "hide", "pending", None),
]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.migrate()
    yield store
    store.dispose()


def _seed(store: Store, group_id: str = "shop") -> None:
    """Posts with queue items an admin approved or rejected (and one still pending)."""
    with store.transaction() as session:
        groups.create_group(session, group_id=group_id, name="Shop", rules_yaml=CURRENT_RULES)
        groups.create_group(session, group_id="other", name="Other")
        admin = auth.get_or_create_admin(session, name="amal")
        actor = Actor(admin_id=admin.id, admin_name=admin.name)
        for i, (text, kind, suggested, decision, label) in enumerate(POSTS, start=1):
            post = Post(group_id=group_id, external_id=f"p{i}", text=text, status="analyzed")
            session.add(post)
            session.flush()
            add_items(
                session,
                items=[
                    NewItem(
                        group_id=group_id,
                        source_key=f"post:{post.id}",
                        kind=kind,
                        priority=Priority.NORMAL,
                        language="en",
                        draft_text="draft",
                        draft_generator="grounded",
                        category="question" if kind == "reply" else "offensive",
                        suggested_action=suggested,
                        post_id=post.id,
                    )
                ],
            )
            session.flush()
            item = session.scalars(select(QueueItem).where(QueueItem.post_id == post.id)).one()
            if decision == "approve":
                approve_item(
                    session,
                    group_id=group_id,
                    item_id=item.id,
                    actor=actor,
                    version=1,
                    prompts_dir=PROJECT_ROOT / "prompts",
                    label=label,
                )
            elif decision == "reject":
                reject_item(
                    session,
                    group_id=group_id,
                    item_id=item.id,
                    actor=actor,
                    version=1,
                    reason="no",
                    label=label,
                )
        other = Post(
            group_id="other", external_id="o1", text="for sale anything", status="analyzed"
        )
        session.add(other)


def test_expected_action_from_decisions() -> None:
    assert (
        expected_action(kind="moderation", status="approved", suggested="hide", admin_label=None)
        == "hide"
    )
    assert (
        expected_action(kind="moderation", status="rejected", suggested="hide", admin_label=None)
        == "approve"
    )
    assert (
        expected_action(kind="reply", status="rejected", suggested="reply", admin_label="spam")
        == "hide"
    )
    assert (
        expected_action(kind="reply", status="rejected", suggested="escalate", admin_label=None)
        == "escalate"
    )
    assert (
        expected_action(kind="reply", status="pending", suggested="reply", admin_label=None) is None
    )


def test_stored_posts_are_labeled_by_admin_decisions(store: Store) -> None:
    _seed(store)
    with store.session(readonly=True) as session:
        posts = stored_replay_posts(session, group_id="shop")
        rules = stored_group_rules(session, group_id="shop")
        limited = stored_replay_posts(session, group_id="shop", limit=2)
    labels = {p.post_id: p.expected for p in posts}
    assert labels == {"p1": "hide", "p2": "reply", "p3": "reply", "p4": "hide", "p5": "approve"}
    assert all(p.where.startswith("item ") for p in posts)
    assert len(limited) == 2
    assert [r.id for r in rules.keyword_rules] == ["no-crypto"]


def test_cli_replays_the_stored_posts(
    store: Store, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    settings: Settings = service_settings(tmp_path, database_url)
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    out = tmp_path / "replay.json"
    result = CliRunner().invoke(
        cli.app, ["replay", "--group", "shop", "--rules", str(RULES), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    replay = json.loads(out.read_text("utf-8"))
    assert replay["posts"] == 5  # pending item and the other group's post left out
    assert replay["source"].startswith("database ")
    kinds = [(c["post_id"], c["kind"]) for c in replay["changes"]]
    # the question about buying in the shop is a false positive of the selling rule, and
    # comes first; the member's own sale (which the admin labeled spam) is now caught
    assert kinds[0] == ("p2", "false_positive")
    assert ("p1", "caught") in kinds
    assert result.output.index("FALSE_POSITIVE") < result.output.index("CAUGHT")
    assert "[FALSE_POSITIVE] item " in result.output
    empty = CliRunner().invoke(cli.app, ["replay", "--group", "other", "--rules", str(RULES)])
    assert empty.exit_code == 2
    assert "group 'other' has no posts whose queue item an admin approved" in empty.output
    missing = CliRunner().invoke(cli.app, ["replay", "--group", "nope", "--rules", str(RULES)])
    assert missing.exit_code == 2 and "group 'nope' is not in the database" in missing.output


def test_feedback_export_runs_as_a_suite(
    store: Store, tmp_path: Path, fake_settings: Settings
) -> None:
    """`mushrif feedback export` rows from a real store through eval/examples/feedback_suite."""
    _seed(store)
    with store.session(readonly=True) as session:
        records = feedback_records(session, group_id="shop")
    assert len(records) == 5
    (tmp_path / "feedback.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
    )
    suite = tmp_path / "feedback_suite.yaml"
    suite.write_text((EXAMPLES / "feedback_suite.yaml").read_text("utf-8"), "utf-8")
    result = evaluate(load_suite(suite), fake_settings, progress=False)
    # approved: 2 questions and 1 'offensive' (→ abusive); rejected: one labeled spam, one
    # without a label (skipped)
    assert result["dataset"]["label_counts"] == {"abusive": 1, "question": 2, "spam": 1}
    assert set(result["slices"]["group"]) == {"shop"}
