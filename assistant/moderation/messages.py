"""Member-facing sentences, loaded from ``prompts/moderation/member_messages.yaml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict


class _Templates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    messages: dict[str, dict[str, str]]


@lru_cache(maxsize=4)
def load_member_messages(prompts_dir: Path) -> dict[str, dict[str, str]]:
    path = prompts_dir / "moderation" / "member_messages.yaml"
    return _Templates.model_validate(yaml.safe_load(path.read_text("utf-8"))).messages


def member_message(
    templates: dict[str, dict[str, str]], key: str, language: str, *, rule: str = ""
) -> str:
    by_language = templates.get(key) or templates["rule"]
    text = by_language.get(language) or by_language.get("en", "")
    return text.replace("{rule}", rule)
