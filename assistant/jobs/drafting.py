"""Reply drafts from each group's stored knowledge base, for the worker.

The embedders and the generator are created once (when the worker loads its models) and
passed to every ``draft_reply`` call; each group's ``KnowledgeBase`` is built from its stored
rows and cached by their content hash, so it is rebuilt only after the knowledge changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from assistant.answering.drafting import draft_reply
from assistant.answering.schemas import Draft, KnowledgeBase
from assistant.answering.stored import kb_from_rows, rows_fingerprint
from assistant.backends.base import Embedder
from assistant.backends.registry import create
from assistant.config import Settings
from assistant.schemas import Analysis
from assistant.store import knowledge_examples
from assistant.store.db import Store
from assistant.store.models import KnowledgeEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _CachedKB:
    fingerprint: str
    kb: KnowledgeBase | None  # None: the group has no usable knowledge


class KBReplyDrafter:
    """Drafts replies from a group's knowledge; ``None`` when the group has none."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        fast_embedder: Embedder | None = None,
        generator: Any = None,
    ) -> None:
        backends, answering = settings.backends, settings.answering
        self.settings = settings
        self.embedder: Embedder = embedder or create(
            "embedder", backends.embedder.name, **backends.embedder.options
        )
        self.fast_embedder: Embedder | None = None
        if answering.retrieval.fast_embedder_share > 0:
            self.fast_embedder = fast_embedder or create(
                "embedder", backends.fast_embedder.name, **backends.fast_embedder.options
            )
        self.generator = generator or create(
            "generator", answering.generator.name, **answering.generator.options
        )
        self._kbs: dict[str, _CachedKB] = {}

    def knowledge_base(self, store: Store, group_id: str) -> KnowledgeBase | None:
        """The group's KB, rebuilt only when its stored rows changed."""
        with store.transaction(readonly=True) as session:
            rows = list(
                session.scalars(
                    select(KnowledgeEntry)
                    .where(KnowledgeEntry.group_id == group_id)
                    .order_by(KnowledgeEntry.id)
                )
            )
            # The example rows (hundreds per group) are loaded only when their stamp moved.
            stamp = knowledge_examples.stamp(session, group_id=group_id)
            fingerprint = f"{rows_fingerprint(rows)}/{stamp}"
            cached = self._kbs.get(group_id)
            if cached is None or cached.fingerprint != fingerprint:
                examples = knowledge_examples.examples(session, group_id=group_id)
                kb = kb_from_rows(rows, group=group_id, examples=examples)
                cached = _CachedKB(fingerprint, kb if kb.entries else None)
                self._kbs[group_id] = cached
        return cached.kb

    def draft(self, kb: KnowledgeBase, post_text: str, analysis: Analysis) -> Draft:
        return draft_reply(
            kb,
            post_text,
            analysis,
            generator=self.generator,
            embedder=self.embedder,
            fast_embedder=self.fast_embedder,
            settings=self.settings,
        )
