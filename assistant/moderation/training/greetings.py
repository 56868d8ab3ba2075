"""Greeting-dressed copies of the triage seed posts.

Members open with a greeting and close with thanks around the real content ("السلام عليكم،
بكم الشحن؟" is a question). Seed posts rarely do, so a classifier trained on them alone takes
the greeting for the intent. Training adds one dressed copy of every non-greeting seed post;
cross-validation dresses its held-out posts with phrasings the training folds never saw.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.config import PROJECT_ROOT
from assistant.moderation.training.common import Example

GREETINGS_FILE = PROJECT_ROOT / "models" / "triage" / "greetings.yaml"
GREETING_LABEL = "greeting_other"
# The source tag of a dressed copy: it weighs like a public example, not like a seed post, so
# the dressed copies do not double the non-greeting classes against `greeting_other`.
DRESSED_SOURCE = "team:greeting-dressed"
CLOSING_SHARE = 0.3
OPENING_SEPARATORS = (", ", "، ", " ", "\n", "! ", " 🌹 ", "... ")
CLOSING_SEPARATORS = (" ", ", ", "، ", "\n", " 🙏 ", ". ")
Half = Literal["all", "even", "odd"]


def _phrases(value: list[str]) -> list[str]:
    cleaned = [p.strip() for p in value]
    if not cleaned or any(not p for p in cleaned):
        raise ValueError("each language needs at least one non-empty phrase")
    return cleaned


class FormulaLists(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ar: list[str] = Field(min_length=2)
    en: list[str] = Field(min_length=2)
    arabizi: list[str] = Field(min_length=2)

    _clean = field_validator("ar", "en", "arabizi")(_phrases)


class Greetings(BaseModel):
    """``greetings.yaml``: opening and closing formulas per language."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    openings: FormulaLists
    closings: FormulaLists

    def pick(self, kind: Literal["openings", "closings"], language: str, half: Half) -> list[str]:
        """The formulas for a post's language (``mixed``: Arabic and English; anything else:
        English); ``half`` keeps the even or odd entries of each list."""
        lists: FormulaLists = getattr(self, kind)
        names = ["ar", "en"] if language == "mixed" else [language]
        names = [n for n in names if n in ("ar", "en", "arabizi")] or ["en"]
        start = {"all": 0, "even": 0, "odd": 1}[half]
        step = 1 if half == "all" else 2
        return [p for n in names for p in getattr(lists, n)[start::step]]


def load_greetings(path: Path = GREETINGS_FILE) -> Greetings:
    """The formulas file, validated; a bad file raises ``ValueError`` naming the field."""
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the greetings file: {exc}") from exc
    try:
        return Greetings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"{path}: {problems}") from exc


def dress(example: Example, greetings: Greetings, rng: random.Random, half: Half) -> Example:
    """The post opened with a greeting of its language and, sometimes, closed with thanks."""
    language = example.meta.get("language", "en")
    opening = rng.choice(greetings.pick("openings", language, half))
    text = opening + rng.choice(OPENING_SEPARATORS) + example.text
    if rng.random() < CLOSING_SHARE:
        closing = rng.choice(greetings.pick("closings", language, half))
        text = text + rng.choice(CLOSING_SEPARATORS) + closing
    return Example(text, example.label, {**example.meta, "source": DRESSED_SOURCE})


def dressed_by_index(
    examples: Sequence[Example], greetings: Greetings, *, seed: int, half: Half = "all"
) -> dict[int, Example]:
    """One dressed copy of every example that is not itself a greeting, by the example's
    index (deterministic)."""
    rng = random.Random(seed)
    return {
        i: dress(e, greetings, rng, half)
        for i, e in enumerate(examples)
        if e.label != GREETING_LABEL
    }


def dressed_copies(
    examples: Sequence[Example], greetings: Greetings, *, seed: int, half: Half = "all"
) -> list[Example]:
    """``dressed_by_index``'s copies, in the examples' order."""
    return list(dressed_by_index(examples, greetings, seed=seed, half=half).values())
