"""Wording of every community draft, from validated data files under ``prompts/community/``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ar: str
    en: str

    def get(self, language: str) -> str:
        return self.ar if language == "ar" else self.en


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int


class WelcomeTexts(_File):
    texts: dict[str, Bilingual]
    rule_categories: dict[str, Bilingual]
    policies: dict[str, Any]


class ConceptTexts(_File):
    extra_words: dict[str, list[str]] = Field(default_factory=dict)
    not_concepts: list[str] = Field(default_factory=list)
    draft_topics: list[str] = Field(default_factory=list)
    priority: list[str]
    names: dict[str, Bilingual]


class Stopwords(_File):
    ar: list[str]
    en: list[str]


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idea: Bilingual
    draft: Bilingual


class PromotionTexts(_File):
    rationale: Bilingual
    themes: dict[str, Theme]
    best_time: Bilingual


class ActivationTexts(_File):
    rationale: dict[str, Bilingual]
    drafts: dict[str, Bilingual]
    weekdays: dict[str, list[str]]


class ReviewTexts(_File):
    rationale: dict[str, Bilingual]
    drafts: dict[str, Bilingual]


class FaqTexts(_File):
    """The draft holds the question on a labelled line (``Q: {question}``, ``س: {question}``)
    and the answer from a labelled line on (``A: {answer}``): those labels are how an approved,
    possibly edited, suggestion is read back (``label``)."""

    rationale: Bilingual
    draft: Bilingual
    skeleton: Bilingual

    @model_validator(mode="after")
    def _labelled(self) -> FaqTexts:
        for language in ("ar", "en"):
            for part in ("question", "answer"):
                self.label(language, part)
        return self

    def label(self, language: str, part: Literal["question", "answer"]) -> str:
        """What precedes ``{question}`` or ``{answer}`` on its line of the draft."""
        for line in self.draft.get(language).splitlines():
            head, found, _ = line.partition("{" + part + "}")
            if found:
                if not head.strip():
                    break
                return head.strip()
        raise ValueError(f"draft.{language} needs a line with a label before {{{part}}}")


class CalendarEventTexts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Bilingual
    draft: Bilingual
    ongoing: Bilingual | None = None


class CalendarTexts(_File):
    national_day_names: list[str]
    back_to_school: dict[str, str]
    events: dict[str, CalendarEventTexts]
    rationale: dict[str, Bilingual]


_FILES: dict[str, type[_File]] = {
    "welcome": WelcomeTexts,
    "concepts": ConceptTexts,
    "stopwords": Stopwords,
    "promotions": PromotionTexts,
    "activation": ActivationTexts,
    "reviews": ReviewTexts,
    "faq": FaqTexts,
    "calendar": CalendarTexts,
}


@lru_cache(maxsize=32)
def _load(prompts_dir: Path, name: str) -> _File:
    path = prompts_dir / "community" / f"{name}.yaml"
    return _FILES[name].model_validate(yaml.safe_load(path.read_text("utf-8")))


def welcome(prompts_dir: Path) -> WelcomeTexts:
    return _load(prompts_dir, "welcome")  # type: ignore[return-value]


def concepts(prompts_dir: Path) -> ConceptTexts:
    return _load(prompts_dir, "concepts")  # type: ignore[return-value]


def stopwords(prompts_dir: Path) -> Stopwords:
    return _load(prompts_dir, "stopwords")  # type: ignore[return-value]


def promotions(prompts_dir: Path) -> PromotionTexts:
    return _load(prompts_dir, "promotions")  # type: ignore[return-value]


def activation(prompts_dir: Path) -> ActivationTexts:
    return _load(prompts_dir, "activation")  # type: ignore[return-value]


def reviews(prompts_dir: Path) -> ReviewTexts:
    return _load(prompts_dir, "reviews")  # type: ignore[return-value]


def faq(prompts_dir: Path) -> FaqTexts:
    return _load(prompts_dir, "faq")  # type: ignore[return-value]


def calendar(prompts_dir: Path) -> CalendarTexts:
    return _load(prompts_dir, "calendar")  # type: ignore[return-value]


def render(template: str, **fields: object) -> str:
    """``template`` with each ``{name}`` replaced; unknown placeholders stay as written."""
    return _PLACEHOLDER.sub(
        lambda m: str(fields[m.group(1)]) if m.group(1) in fields else m.group(0), template
    )
