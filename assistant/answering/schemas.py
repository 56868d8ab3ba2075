"""Pydantic types of the answering layer: knowledge-base entries, retrieval hits, drafts."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.text.normalize import normalize

EntryKind = Literal["faq", "rule", "product", "policy"]
ReplyLanguage = Literal["ar", "en"]


class EntryText(BaseModel):
    """An entry's words in one language: the question or name, and the answer or description."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    body: str = Field("", max_length=5_000)


class Product(BaseModel):
    """Catalog facts of a product entry."""

    model_config = ConfigDict(extra="forbid")

    price: float | None = Field(None, ge=0)
    currency: str = Field("", max_length=10)
    sizes: list[str] = Field(default_factory=list)
    available: bool = True
    url: str = Field("", max_length=500)


MAX_EXAMPLES = 500
MAX_EXAMPLE_CHARS = 500


def distinct_examples(examples: list[str]) -> list[str]:
    """Example questions stripped, cut to ``MAX_EXAMPLE_CHARS`` and without repeats (two
    spellings that normalize alike are one example), in their first order."""
    seen: set[str] = set()
    kept: list[str] = []
    for example in examples:
        text = " ".join(str(example).split())[:MAX_EXAMPLE_CHARS]
        key = normalize(text).normalized
        if text and key not in seen:
            seen.add(key)
            kept.append(text)
    return kept


class KBEntry(BaseModel):
    """One fact of a group's knowledge base, in one or more languages."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
    kind: EntryKind = "faq"
    text: dict[ReplyLanguage, EntryText] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    product: Product | None = None
    examples: list[str] = Field(
        default_factory=list,
        max_length=MAX_EXAMPLES,
        description="member questions this entry answers, in any language or dialect",
    )

    @field_validator("examples")
    @classmethod
    def _distinct_examples(cls, examples: list[str]) -> list[str]:
        return distinct_examples(examples)

    @model_validator(mode="after")
    def _has_text_or_examples(self) -> KBEntry:
        if not self.text and not self.examples:
            raise ValueError(f"entry '{self.id}' has neither a title nor example questions")
        return self

    @property
    def is_examples_only(self) -> bool:
        """A row that only adds example questions to an entry defined elsewhere."""
        return not self.text

    def text_for(self, language: str) -> tuple[ReplyLanguage, EntryText]:
        """The entry's text in ``language`` when it has one, else in its first language."""
        if language in self.text:
            lang: ReplyLanguage = "ar" if language == "ar" else "en"
            return lang, self.text[lang]
        first = next(iter(self.text))
        return first, self.text[first]

    def search_texts(self) -> list[str]:
        """One passage per language, as the retriever indexes them."""
        return [f"{t.title}\n{t.body}".strip() for t in self.text.values()]


class KnowledgeBase(BaseModel):
    """A group's knowledge base. Pure data: a store persists it as JSON."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    group: str = Field("", max_length=200)
    entries: list[KBEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _every_entry_has_text(self) -> KnowledgeBase:
        orphans = [e.id for e in self.entries if e.is_examples_only]
        if orphans:
            raise ValueError(
                f"example questions for unknown entries: {', '.join(orphans[:5])} "
                "(no entry with this id has a title)"
            )
        return self

    def get(self, entry_id: str) -> KBEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def fingerprint(self) -> str:
        """Content hash; the retrieval index is rebuilt whenever it changes."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class Hit(BaseModel):
    """A retrieved entry with its lexical, dense and fused scores."""

    entry_id: str
    score: float = Field(description="fused score used for ranking")
    lexical: float = Field(0.0, description="BM25 score squashed to 0..1")
    dense: float = Field(0.0, description="best cosine over the entry's languages")
    lexical_rank: int = Field(0, ge=0, description="rank by the lexical score alone (0: unknown)")
    dense_rank: int = Field(0, ge=0, description="rank by the dense score alone (0: unknown)")


class Citation(BaseModel):
    """A source of a draft; shown to the admin, never sent to the member."""

    entry_id: str
    kind: EntryKind
    title: str
    score: float


class Draft(BaseModel):
    """A reply draft for the approval queue."""

    text: str = Field(description="what the member would read")
    language: ReplyLanguage
    citations: list[Citation] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)
    generator: str = Field(description="the generator that wrote `text`")
    escalate: bool = False
    reason: str = Field("", description="why the item escalates or why an LLM draft fell back")
    fallback_from: str | None = Field(None, description="the generator whose draft was rejected")


class Notice(BaseModel):
    """A short note to a member whose post was hidden or removed."""

    text: str
    language: ReplyLanguage
    rule_id: str = ""
