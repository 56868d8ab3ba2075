"""Shadow replay from the rules page: the proposed rules against the current ones, over a
labeled file the admin uploads or over the group's latest stored posts."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.api.deps import Services
from assistant.evaluation.replay import LabeledPost, read_replay_posts, replay
from assistant.moderation.analyzer import Analyzer
from assistant.moderation.rules import GroupRules
from assistant.store.groups import validate_rules_yaml
from assistant.store.models import AnalysisRow, Post

_lock = threading.Lock()
LABEL_FIELD = "expected_action"


def analyzer_for(services: Services, cache: dict[str, Analyzer]) -> Analyzer:
    """The worker's analyzer when its models are loaded (no second copy in memory), else one
    loaded on first use and kept in ``cache``."""
    loaded = services.worker.analyzer
    if loaded is not None:
        return loaded
    with _lock:
        if "analyzer" not in cache:
            cache["analyzer"] = Analyzer.from_settings(services.settings)
        return cache["analyzer"]


def stored_posts(session: Session, *, group_id: str, limit: int) -> list[LabeledPost]:
    """The latest analyzed posts; with no labels, "expected" is today's action, so the replay
    lists the changes without judging them."""
    rows = session.execute(
        select(Post.external_id, Post.text, AnalysisRow.action)
        .join(AnalysisRow, AnalysisRow.post_id == Post.id)
        .where(Post.group_id == group_id)
        .order_by(Post.id.desc())
        .limit(limit)
    )
    return [
        LabeledPost(text=text, expected=action, line=number, post_id=external_id)
        for number, (external_id, text, action) in enumerate(rows, start=1)
    ]


def labeled_posts(filename: str, content: bytes) -> list[LabeledPost]:
    """Posts of an uploaded CSV/JSONL file with ``text`` and ``expected_action``; raises
    ``DatasetError`` naming the line."""
    suffix = Path(filename).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"posts{suffix}"
        path.write_bytes(content)
        posts = read_replay_posts(path, label_field=LABEL_FIELD, group=None)
    for post in posts:
        post.post_id = post.post_id or str(post.line)
    return posts


def shadow_replay(
    services: Services,
    cache: dict[str, Analyzer],
    *,
    current_yaml: str | None,
    proposed: GroupRules,
    posts: list[LabeledPost],
    labeled: bool,
) -> dict[str, Any]:
    current = validate_rules_yaml(current_yaml) if current_yaml else GroupRules()
    result = replay(analyzer_for(services, cache), posts, current, proposed)
    result["labeled"] = labeled
    return result
