"""What the drafting chain expects of a generator, beyond ``backends.base.Generator``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from assistant.answering.schemas import KBEntry


@runtime_checkable
class Composer(Protocol):
    """Writes a reply straight from knowledge-base entries, without an LLM."""

    name: str

    def compose(self, entries: Sequence[KBEntry], language: str) -> str: ...

    def holding(self, reason_key: str, language: str) -> str: ...


@runtime_checkable
class ChatGenerator(Protocol):
    """An LLM that takes separate system and user messages (chat-tuned servers)."""

    name: str

    def chat(
        self,
        system: str,
        user: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str: ...
