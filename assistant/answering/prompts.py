"""Prompt files of the answering layer (``prompts/answering/*.yaml``), validated on load."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, ConfigDict


class GroundedTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    templates: dict[str, dict[str, str]]
    currencies: dict[str, dict[str, str]] = {}

    def currency(self, code: str, language: str) -> str:
        return self.currencies.get(code.upper(), {}).get(language, code)

    def get(self, key: str, language: str, **values: str) -> str:
        by_language = self.templates[key]
        text = by_language.get(language) or by_language["en"]
        return text.format(**values)


class LLMPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    stop: list[str]
    system: str
    user: str

    def chat_template(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages([("system", self.system), ("user", self.user)])


class EscalationPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    reasons: dict[str, list[str]]

    def compiled(self) -> dict[str, re.Pattern[str]]:
        return {reason: re.compile("|".join(p)) for reason, p in self.reasons.items()}


def _read(prompts_dir: Path, name: str) -> object:
    return yaml.safe_load((prompts_dir / "answering" / name).read_text("utf-8"))


@lru_cache(maxsize=4)
def grounded_templates(prompts_dir: Path) -> GroundedTemplates:
    return GroundedTemplates.model_validate(_read(prompts_dir, "grounded.yaml"))


@lru_cache(maxsize=4)
def llm_prompt(prompts_dir: Path) -> LLMPrompt:
    return LLMPrompt.model_validate(_read(prompts_dir, "draft_llm.yaml"))


@lru_cache(maxsize=4)
def escalation_patterns(prompts_dir: Path) -> dict[str, re.Pattern[str]]:
    return EscalationPatterns.model_validate(_read(prompts_dir, "escalation.yaml")).compiled()
