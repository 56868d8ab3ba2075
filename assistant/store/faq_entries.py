"""An approved FAQ suggestion becomes a knowledge-base entry; it is not a post to publish.

The suggestion's draft (``prompts/community/faq.yaml``) holds the question on a labelled line and
the answer from a labelled line on; the labels (``Q:``/``A:``, ``س:``/``ج:``) are read from that
file, in both languages whatever the item's language. The admin may edit both before approving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from assistant.community import texts
from assistant.store.errors import InvalidInputError
from assistant.store.models import KnowledgeEntry, QueueItem

# The skeleton answer asks the admin to "[write the answer …]": never store it as a fact.
PLACEHOLDER = re.compile(r"\[[^\]]{3,}\]")
LANGUAGES = ("en", "ar")


@dataclass(frozen=True)
class FaqLabels:
    question: tuple[str, ...]
    answer: tuple[str, ...]

    @classmethod
    def from_prompts(cls, prompts_dir: Path) -> FaqLabels:
        wording = texts.faq(prompts_dir)
        return cls(
            question=tuple(wording.label(language, "question") for language in LANGUAGES),
            answer=tuple(wording.label(language, "answer") for language in LANGUAGES),
        )


def _after(line: str, labels: tuple[str, ...]) -> str | None:
    """The rest of ``line`` after the first label it starts with, else None."""
    for label in labels:
        if line.startswith(label):
            return line[len(label) :]
    return None


def _either(labels: tuple[str, ...]) -> str:
    first, *others = labels
    return f"{first!r}" + "".join(f" (or {other!r})" for other in others)


def split_entry(text: str, labels: FaqLabels) -> tuple[str, str]:
    """The question and answer of an FAQ suggestion's (possibly edited) text."""
    question: str | None = None
    answer_lines: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if answer_lines is not None:
            answer_lines.append(line)
        elif (rest := _after(stripped, labels.question)) is not None:
            question = rest.strip()
        elif (rest := _after(stripped, labels.answer)) is not None:
            answer_lines = [rest]
    answer = "\n".join(answer_lines or []).strip()
    if not question or not answer:
        raise InvalidInputError(
            f"an FAQ suggestion needs a {_either(labels.question)} line with the question and "
            f"an {_either(labels.answer)} line with the answer"
        )
    if PLACEHOLDER.search(answer):
        raise InvalidInputError(
            "the answer still has a [bracketed] part to fill in: write the answer, then approve"
        )
    return question, answer


def add_suggested_entry(
    session: Session, *, item: QueueItem, text: str, prompts_dir: Path
) -> KnowledgeEntry:
    question, answer = split_entry(text, FaqLabels.from_prompts(prompts_dir))
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
