"""Few-shot prompts for base (not instruction-tuned) LMs run locally.

A base model continues a document; it does not obey a system message. ``FewShotChat`` turns the
drafting chain's (system, user) pair into one document: the header of
``prompts/answering/draft_base_lm.yaml``, its worked examples rendered with the same user template
as the live post (``draft_llm.yaml``), optionally the chain's rules (the system message), then the
live user message, which ends with ``<reply>``. The fixed part comes first so a runtime that
reuses its cache for a common prompt prefix (llama.cpp does) evaluates it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from langchain_core.prompts import PromptTemplate
from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.guard import leaks_prompt
from assistant.answering.prompts import llm_prompt
from assistant.answering.quoting import quote
from assistant.answering.schemas import KBEntry
from assistant.answering.sources import sources_block
from assistant.backends.errors import BackendError
from assistant.text.normalize import normalize

PROMPT_FILE = "draft_base_lm.yaml"


class FewShotExample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal["Arabic", "English"]
    post: str = Field(min_length=1)
    reply: str = Field(min_length=1)
    sources: list[KBEntry] = Field(min_length=1)


class BaseLMPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    include_system: bool = False
    stop: list[str] = Field(default_factory=list)
    header: str
    examples: list[FewShotExample] = Field(min_length=1)


@lru_cache(maxsize=4)
def base_lm_prompt(prompts_dir: Path) -> BaseLMPrompt:
    data = yaml.safe_load((prompts_dir / "answering" / PROMPT_FILE).read_text("utf-8"))
    return BaseLMPrompt.model_validate(data)


_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z]")
_URL = re.compile(r"\S+://\S+|www\.\S+")
_WORD = re.compile(r"[^\W_]+")
_POST_MARK = "\x00post\x00"
_SOURCES_MARK = "\x00sources\x00"


def _ngrams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall(normalize(text).normalized)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _arabic_share(text: str) -> float | None:
    text = _URL.sub(" ", text)
    arabic, latin = len(_ARABIC.findall(text)), len(_LATIN.findall(text))
    return arabic / (arabic + latin) if arabic + latin else None


class FewShotPrompt:
    """The few-shot document for one prompts directory; the fixed prefix is built once."""

    def __init__(self, prompts_dir: Path) -> None:
        spec = base_lm_prompt(prompts_dir)
        user = PromptTemplate.from_template(llm_prompt(prompts_dir).user)
        shots = [
            user.format(
                sources=sources_block(example.sources),
                post=quote(example.post),
                language=example.language,
            )
            + f"{example.reply}\n</reply>\n"
            for example in spec.examples
        ]
        self.header = spec.header.strip()
        self.prefix = self.header + "\n\n" + "\n".join(shots) + "\n"
        self.include_system = spec.include_system
        self.stop = [*llm_prompt(prompts_dir).stop, *spec.stop]
        self._example_grams = set().union(*(_ngrams(e.reply) for e in spec.examples))
        # The user template around the post: what comes before it, and after it per language.
        between = user.format(sources=_SOURCES_MARK, post=_POST_MARK, language="")
        self._before_post = between.split(_SOURCES_MARK, 1)[-1].split(_POST_MARK, 1)[0]
        self._endings = {
            language: user.format(sources="", post=_POST_MARK, language=language).split(
                _POST_MARK, 1
            )[1]
            for language in ("Arabic", "English")
        }

    def render(self, system: str, user: str) -> str:
        rules = f"{system.strip()}\n\n" if self.include_system else ""
        return f"{self.prefix}{rules}{user}"

    def problem(self, draft: str, user: str) -> str | None:
        """Why a base model's ``draft`` for the live ``user`` message is unusable, if it is:
        it repeats the header, copies an example's reply, is a question or an echo of the member's
        post rather than a reply from the sources, or is in the other language."""
        if leaks_prompt(draft, self.header):
            return "the draft repeats the few-shot prompt's header"
        if (_ngrams(draft) - _ngrams(user)) & self._example_grams:
            return "the draft copies a few-shot example"
        language = next((lang for lang, end in self._endings.items() if user.endswith(end)), None)
        if draft.rstrip().endswith(("?", "؟")):  # it wrote another member post
            return "the draft is a question, not a reply"
        sources, _, post = user.rpartition(self._before_post) if self._before_post else ("", "", "")
        if language is not None:
            post = post.removesuffix(self._endings[language])
        words = _WORD.findall(normalize(draft).normalized)
        if words and post:
            in_post = set(_WORD.findall(normalize(post).normalized))
            in_sources = set(_WORD.findall(normalize(sources).normalized))
            echoed = sum(w in in_post for w in words) / len(words)
            supported = sum(w in in_sources for w in words) / len(words)
            if echoed >= 0.8 and supported < 0.5:
                return "the draft repeats the member's post"
        share = _arabic_share(draft)
        if share is not None and language is not None and (share < 0.5) == (language == "Arabic"):
            return f"the draft is not in {language}"
        return None


class FewShotChat:
    """``chat()`` for a base LM behind a plain ``generate()`` (mixed into local generators)."""

    few_shot: FewShotPrompt
    generate: Callable[..., str]

    def chat(
        self,
        system: str,
        user: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        stops = list(dict.fromkeys([*stop, *self.few_shot.stop]))
        text = self.generate(
            self.few_shot.render(system, user),
            max_tokens=max_tokens,
            stop=stops,
            temperature=temperature,
        )
        problem = self.few_shot.problem(text, user)
        if problem:  # the chain's guard then ships the grounded draft, with this reason
            raise BackendError(problem)
        return text


def resolve_prompts_dir(prompts_dir: str | Path | None) -> Path:
    if prompts_dir is not None:
        return Path(prompts_dir)
    from assistant.config import get_settings

    return get_settings().prompts_dir
