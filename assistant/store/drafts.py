"""Holding drafts from ``prompts/queue/drafts.yaml`` (generator ``template``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

GENERATOR = "template"


class _DraftTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    generator: str
    drafts: dict[str, dict[str, str]]


@lru_cache(maxsize=4)
def _load(prompts_dir: Path) -> _DraftTemplates:
    path = prompts_dir / "queue" / "drafts.yaml"
    return _DraftTemplates.model_validate(yaml.safe_load(path.read_text("utf-8")))


def holding_draft(prompts_dir: Path, kind: str, language: str) -> str:
    by_language = _load(prompts_dir).drafts[kind]
    return by_language.get(language) or by_language["en"]


def draft_language(code: str, arabic_ratio: float) -> str:
    """The language a draft is written in: Arabic for Arabic-script or Arabizi posts."""
    if code in ("ar", "arabizi") or (code == "mixed" and arabic_ratio >= 0.5):
        return "ar"
    return "en"
