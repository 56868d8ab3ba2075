"""The demo group: rules, the shop's knowledge base (``demo/kb/``), two new members and a few
dozen posts, loaded through the same ingestion path as the API (the worker analyzes them right
after start and drafts the replies from the knowledge base)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.answering.kb import load_kb
from assistant.answering.stored import rows_from_kb
from assistant.community.welcome import JoinIn, members_joined
from assistant.config import PROJECT_ROOT, Settings
from assistant.schemas import PostIn
from assistant.store import auth, groups, knowledge_examples
from assistant.store.db import Store
from assistant.store.models import ApiToken, Group, KnowledgeEntry, Role, utcnow
from assistant.store.posts import ingest_posts

DEMO_DIR = PROJECT_ROOT / "demo"
DEMO_GROUP = "demo-abaya-shop"
DEMO_ADMIN = "demo-owner"
NEW_MEMBERS = (("m201", "Huda", "ar"), ("m202", "Sarah", "en"))


@dataclass(frozen=True)
class DemoResult:
    group_id: str
    token: str
    token_file: Path
    posts_accepted: int


DEMO_COMMUNITY = {
    "timezone": "Asia/Riyadh",
    "country": "SA",
    "highlights": [{"title_ar": "دليل المقاسات", "title_en": "Size guide", "url": None}],
}


def _read_posts(path: Path, *, now: datetime) -> list[PostIn]:
    """The demo posts, moved in time so the latest one is from the last day: the analytics of
    the default period (the last 30 days) then show them."""
    lines = path.read_text("utf-8").splitlines()
    posts = [PostIn.model_validate(json.loads(line)) for line in lines if line.strip()]
    dated = [p.created_at for p in posts if p.created_at is not None]
    if not dated:
        return posts
    shift = timedelta(days=(now - max(dated)).days)
    return [
        p.model_copy(update={"created_at": p.created_at + shift}) if p.created_at else p
        for p in posts
    ]


def _token(store: Store, settings: Settings) -> str:
    """Reuse the token in ``data_dir/demo-token.txt`` while it is valid, else issue one."""
    token_file = settings.data_dir / "demo-token.txt"
    with store.transaction() as session:
        admin = auth.get_or_create_admin(session, name=DEMO_ADMIN)
        auth.grant_role(session, admin_id=admin.id, group_id=DEMO_GROUP, role=Role.OWNER)
        if token_file.exists():
            token = token_file.read_text("utf-8").strip()
            row = session.scalar(
                select(ApiToken).where(ApiToken.token_hash == auth.hash_token(token))
            )
            if row is not None and row.revoked_at is None and row.expires_at is None:
                return token
        token = auth.issue_token(session, admin=admin, name="demo").token
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(token + "\n", "utf-8")
    return token


def _load_knowledge(session: Session, kb_dir: Path) -> int:
    """Add the entries of ``demo/kb/`` the group lacks (by entry id and language), and their
    example questions."""
    if not kb_dir.is_dir():
        return 0
    have = {
        (key, language)
        for key, language in session.execute(
            select(KnowledgeEntry.entry_key, KnowledgeEntry.language).where(
                KnowledgeEntry.group_id == DEMO_GROUP
            )
        )
    }
    kb = load_kb(kb_dir, group=DEMO_GROUP)
    rows = [r for r in rows_from_kb(kb) if (r["entry_key"], r["language"]) not in have]
    for row in rows:
        groups.add_knowledge(session, group_id=DEMO_GROUP, **row)
    for entry in kb.entries:
        knowledge_examples.add_examples(
            session, group_id=DEMO_GROUP, entry_key=entry.id, texts=entry.examples
        )
    return len(rows)


def seed_demo(store: Store, settings: Settings, *, demo_dir: Path = DEMO_DIR) -> DemoResult:
    """Idempotent: running it again adds nothing twice."""
    rules_file = demo_dir / "rules.yaml"
    with store.transaction() as session:
        if session.get(Group, DEMO_GROUP) is None:
            group = groups.create_group(
                session,
                group_id=DEMO_GROUP,
                name="Demo Abaya Shop",
                rules_yaml=rules_file.read_text("utf-8") if rules_file.exists() else None,
            )
            # A Riyadh shop: analytics in its local time, Saudi national days in the calendar.
            group.settings = {**(group.settings or {}), "community": DEMO_COMMUNITY}
        _load_knowledge(session, demo_dir / "kb")
    token = _token(store, settings)
    posts = _read_posts(demo_dir / "posts.jsonl", now=utcnow())
    with store.transaction() as session:
        stored = ingest_posts(session, group_id=DEMO_GROUP, posts=list(enumerate(posts)))
        group = groups.get_group(session, group_id=DEMO_GROUP)
        joins = [
            JoinIn(external_id=external_id, display_name=name, language=language)
            for external_id, name, language in NEW_MEMBERS
        ]
        members_joined(session, group=group, joins=joins, settings=settings)
    accepted = sum(r.status == "accepted" for r in stored)
    return DemoResult(DEMO_GROUP, token, settings.data_dir / "demo-token.txt", accepted)
