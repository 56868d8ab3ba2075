"""Welcome drafts: batched joins, rules summarized in both languages, highlights, rejoins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.community.welcome import JoinIn, members_joined
from assistant.config import PROJECT_ROOT, Settings
from assistant.store import groups
from assistant.store.db import Store
from assistant.store.models import Group, Member, QueueItem

RULES = (PROJECT_ROOT / "demo" / "rules.yaml").read_text("utf-8")
T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    store.migrate()
    with store.transaction() as session:
        groups.create_group(session, group_id="shop", name="متجر العبايات", rules_yaml=RULES)
        groups.create_group(session, group_id="plain", name="Plain", languages=["en"])
        groups.add_knowledge(
            session, group_id="shop", question="كم مدة التوصيل؟", answer="٣ أيام", language="ar"
        )
    yield store
    store.dispose()


def _join(store: Store, settings: Settings, group_id: str, *joins: JoinIn, now: datetime = T0):
    with store.transaction() as session:
        group = session.get(Group, group_id)
        assert group is not None
        return members_joined(session, group=group, joins=list(joins), settings=settings, now=now)


def _item(store: Store, item_id: int) -> QueueItem:
    with store.session(readonly=True) as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return item


def test_joins_in_the_window_share_one_welcome(store: Store, fake_settings: Settings) -> None:
    first = _join(store, fake_settings, "shop", JoinIn(external_id="m1", display_name="هدى"))
    second = _join(
        store,
        fake_settings,
        "shop",
        JoinIn(external_id="m2", display_name="Sarah", joined_at=T0 + timedelta(minutes=3)),
        JoinIn(external_id="m3", display_name="ريم", joined_at=T0 + timedelta(minutes=4)),
    )
    assert first.welcome_item_ids == second.welcome_item_ids and second.joined == 2
    item = _item(store, first.welcome_item_ids[0])
    assert item.kind == "welcome" and item.status == "pending" and item.priority == "low"
    assert "هدى" in item.draft_text and "Sarah" in item.draft_text and "ريم" in item.draft_text
    later = _join(
        store,
        fake_settings,
        "shop",
        JoinIn(external_id="m4", display_name="Lama", joined_at=T0 + timedelta(hours=2)),
    )
    assert later.welcome_item_ids != first.welcome_item_ids
    assert "Sarah" not in _item(store, later.welcome_item_ids[0]).draft_text


def test_welcome_summarizes_the_rules_in_both_languages(
    store: Store, fake_settings: Settings
) -> None:
    result = _join(store, fake_settings, "shop", JoinIn(external_id="m1", display_name="هدى"))
    text = _item(store, result.welcome_item_ids[0]).draft_text
    arabic, english = text.split("\n\nWelcome to ")
    assert "متجر العبايات" in arabic and "قواعد المجموعة باختصار" in arabic
    assert "البيع والإعلانات مسموحة للمتجر فقط" in arabic  # advertising rules
    assert "لا نقاشات سياسية" in arabic  # the banned topic
    assert "الروابط الخارجية تُراجع" in arabic  # links: review
    assert "Only the shop may sell" in english and "No spam" in english
    assert "كم مدة التوصيل؟" in arabic  # highlights: the group's FAQ


def test_highlights_setting_and_group_without_rules(store: Store, fake_settings: Settings) -> None:
    with store.transaction() as session:
        group = session.get(Group, "plain")
        assert group is not None
        group.settings = {
            "community": {
                "highlights": [{"title_en": "Size guide", "url": "https://example.com/sizes"}],
                "welcome_batch_window_s": 0,
            }
        }
    one = _join(store, fake_settings, "plain", JoinIn(external_id="a"))
    two = _join(store, fake_settings, "plain", JoinIn(external_id="b"))
    assert one.welcome_item_ids != two.welcome_item_ids  # batching off
    text = _item(store, one.welcome_item_ids[0]).draft_text
    assert "new members" in text and "Please be respectful" in text
    assert "Size guide: https://example.com/sizes" in text and "قواعد" not in text


def test_rejoin_is_not_welcomed_twice_and_quoting_is_recorded(
    store: Store, fake_settings: Settings
) -> None:
    _join(store, fake_settings, "shop", JoinIn(external_id="m1", allow_quoting=True))
    again = _join(
        store,
        fake_settings,
        "shop",
        JoinIn(external_id="m1", joined_at=T0 + timedelta(days=2)),
        JoinIn(external_id="m1"),
    )
    assert again.joined == 0 and again.duplicates == ["m1"] and "already" in again.message
    with store.session(readonly=True) as session:
        member = session.scalar(select(Member).where(Member.external_id == "m1"))
        assert member is not None and member.allow_quoting is True
