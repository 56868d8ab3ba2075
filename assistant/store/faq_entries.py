"""An approved FAQ suggestion becomes a knowledge-base entry; it is not a post to publish.

The suggestion's draft (``prompts/community/faq.yaml``) holds the question on a ``Q:``/``س:``
line and the answer after an ``A:``/``ج:`` line; the admin may edit both before approving.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from assistant.store.errors import InvalidInputError
from assistant.store.models import KnowledgeEntry, QueueItem

QUESTION_PREFIXES = ("Q:", "س:")
ANSWER_PREFIXES = ("A:", "ج:")
# The skeleton answer asks the admin to "[write the answer …]": never store it as a fact.
PLACEHOLDER = re.compile(r"\[[^\]]{3,}\]")
INTERNAL_CATEGORIES = frozenset({"review_alert"})


def is_internal(item: QueueItem) -> bool:
    """Items for the admins only: approving them must not publish anything to the group."""
    return item.kind == "faq_suggestion" or item.category in INTERNAL_CATEGORIES


def split_entry(text: str) -> tuple[str, str]:
    """The question and answer of an FAQ suggestion's (possibly edited) text."""
    question: str | None = None
    answer_lines: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if answer_lines is not None:
            answer_lines.append(line)
        elif stripped.startswith(QUESTION_PREFIXES):
            question = stripped.split(":", 1)[1].strip()
        elif stripped.startswith(ANSWER_PREFIXES):
            answer_lines = [stripped.split(":", 1)[1]]
    answer = "\n".join(answer_lines or []).strip()
    if not question or not answer:
        raise InvalidInputError(
            "an FAQ suggestion needs a 'Q:' (or 'س:') line with the question and an 'A:' "
            "(or 'ج:') line with the answer"
        )
    if PLACEHOLDER.search(answer):
        raise InvalidInputError(
            "the answer still has a [bracketed] part to fill in: write the answer, then approve"
        )
    return question, answer


def add_suggested_entry(session: Session, *, item: QueueItem, text: str) -> KnowledgeEntry:
    question, answer = split_entry(text)
    entry = KnowledgeEntry(
        group_id=item.group_id,
        kind="faq",
        language=item.language or "ar",
        question=question,
        answer=answer,
        tags=["faq_suggestion"],
    )
    session.add(entry)
    session.flush()
    return entry
