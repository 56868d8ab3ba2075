"""Query expansion with the shop-domain glossary (``prompts/answering/glossary.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from assistant.answering.tokenize import tokens


class _Glossary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    groups: dict[str, list[str]]
    fillers: list[str] = []


class Glossary:
    """Maps a token to the tokens of every synonym group it belongs to."""

    def __init__(self, groups: dict[str, list[str]], fillers: list[str] = ()) -> None:  # type: ignore[assignment]
        self.fillers = frozenset(t for w in fillers for t in tokens(str(w)))
        self._related: dict[str, set[str]] = {}
        for words in groups.values():
            group_tokens = {t for w in words for t in tokens(str(w))}
            for token in group_tokens:
                self._related.setdefault(token, set()).update(group_tokens)

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._related) | self.fillers

    def expand(self, query_tokens: list[str]) -> list[str]:
        """``query_tokens`` followed by their synonyms not already present."""
        seen = set(query_tokens)
        extra = sorted({t for q in query_tokens for t in self._related.get(q, ())} - seen)
        return [*query_tokens, *extra]


class _CommonWords(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    words: list[str]


def load_common_words(prompts_dir: Path) -> list[str]:
    """General words of member posts (``prompts/answering/common_words.yaml``); [] if absent."""
    path = prompts_dir / "answering" / "common_words.yaml"
    if not path.is_file():
        return []
    return _CommonWords.model_validate(yaml.safe_load(path.read_text("utf-8"))).words


@lru_cache(maxsize=4)
def load_glossary(prompts_dir: Path) -> Glossary:
    """The glossary; its fillers include the general words of ``common_words.yaml``, which
    count as known words but never expand a query."""
    path = prompts_dir / "answering" / "glossary.yaml"
    data = _Glossary.model_validate(yaml.safe_load(path.read_text("utf-8")))
    return Glossary(data.groups, [*data.fillers, *load_common_words(prompts_dir)])
