"""The drafting chain: retrieve → decide (answer or escalate) → write → guard.

Built from LangChain runnables around the ``KBRetriever``. ``draft_reply`` is the one function
the service calls.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answering.escalation import needs_human
from assistant.answering.glossary import load_glossary
from assistant.answering.guard import check_draft
from assistant.answering.lc_retriever import KBRetriever, hits_of
from assistant.answering.prompts import llm_prompt
from assistant.answering.protocols import ChatGenerator, Composer
from assistant.answering.quoting import quote
from assistant.answering.retrieval import HybridIndex, confidence
from assistant.answering.schemas import Citation, Draft, Hit, KBEntry, KnowledgeBase, ReplyLanguage
from assistant.answering.sources import entry_facts, sources_block
from assistant.backends.base import Embedder, Generator
from assistant.backends.errors import BackendError
from assistant.backends.registry import create
from assistant.config import AnsweringSettings, Settings, get_settings
from assistant.schemas import Analysis
from assistant.text.language import detect_language, reply_language
from assistant.text.normalize import normalize

_LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}
_ESCALATE_WORD = "ESCALATE"


@dataclass
class _State:
    post: str
    analysis: Analysis | None
    language: ReplyLanguage
    hits: list[Hit] = field(default_factory=list)
    confidence: float = 0.0
    reason: str | None = None


def _language(post: str, analysis: Analysis | None) -> ReplyLanguage:
    result = analysis.language if analysis else detect_language(normalize(post).clean)
    return "ar" if reply_language(result) == "ar" else "en"


class Drafter:
    """Drafts replies for one knowledge base with one generator."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        embedder: Embedder,
        generator: Any,
        settings: AnsweringSettings,
        prompts_dir: Path,
        fast_embedder: Embedder | None = None,
        group: str = "",
    ) -> None:
        self.kb = kb
        self.settings = settings
        self.generator = generator
        self.grounded: Composer = create("generator", "grounded", prompts_dir=prompts_dir)
        self.prompt = llm_prompt(prompts_dir)
        self.prompts_dir = prompts_dir
        self.group = group or kb.group
        glossary = load_glossary(prompts_dir) if settings.retrieval.glossary else None
        index = HybridIndex(
            kb, embedder, settings.retrieval, fast_embedder=fast_embedder, glossary=glossary
        )
        self.retriever = KBRetriever(index=index, k=settings.retrieval.top_k)
        self.chain: Runnable[_State, Draft] = (
            RunnableLambda(self._retrieve)
            | RunnableLambda(self._decide)
            | RunnableLambda(self._write)
        )

    def draft(self, post: str, analysis: Analysis | None = None) -> Draft:
        state = _State(post=post, analysis=analysis, language=_language(post, analysis))
        return self.chain.invoke(state)

    def _retrieve(self, state: _State) -> _State:
        query = normalize(state.post).clean
        state.hits = hits_of(self.retriever.invoke(query))
        index, leave_out = self.retriever.index, self.retriever.leave_out_examples
        unknown = index.unknown_share(query, leave_out_examples=leave_out)
        entry_unknown = (
            index.entry_unknown_share(query, state.hits[0].entry_id, leave_out_examples=leave_out)
            if state.hits
            else 0.0
        )
        state.confidence = confidence(
            state.hits,
            self.settings.confidence,
            unknown_share=unknown,
            entry_unknown_share=entry_unknown,
        )
        return state

    def _decide(self, state: _State) -> _State:
        state.reason = needs_human(state.post, state.analysis, self.prompts_dir)
        threshold = self.settings.confidence.answer_threshold
        if state.reason is None and state.confidence < threshold:
            state.reason = f"low confidence ({state.confidence:.2f} < {threshold:.2f})"
        return state

    def _entries(self, hits: list[Hit]) -> list[KBEntry]:
        entries = [self.kb.get(h.entry_id) for h in hits]
        return [e for e in entries if e is not None]

    def _citations(self, hits: list[Hit]) -> list[Citation]:
        citations = []
        for hit in hits:
            entry = self.kb.get(hit.entry_id)
            if entry is not None:
                title = entry.text_for("en")[1].title
                citations.append(
                    Citation(entry_id=entry.id, kind=entry.kind, title=title, score=hit.score)
                )
        return citations

    def _sources(self, state: _State) -> list[Hit]:
        """The hits a draft may use: the top one, and runners-up that are confident too."""
        top, rest = state.hits[0], state.hits[1 : self.settings.max_sources]
        keep = [h for h in rest if confidence([h], self.settings.confidence) >= 0.5]
        return [top, *keep]

    def _holding(self, state: _State, reason: str) -> Draft:
        key = "needs_human" if reason.startswith("needs a human") else "low_confidence"
        return Draft(
            text=self.grounded.holding(key, state.language),
            language=state.language,
            citations=[],
            confidence=state.confidence,
            generator=self.grounded.name,
            escalate=True,
            reason=reason,
        )

    def _write(self, state: _State) -> Draft:
        if state.reason is not None or not state.hits:
            return self._holding(state, state.reason or "the knowledge base is empty")
        top = state.hits[:1]
        grounded = Draft(
            text=self.grounded.compose(self._entries(top), state.language),
            language=state.language,
            citations=self._citations(top),
            confidence=state.confidence,
            generator=self.grounded.name,
        )
        if isinstance(self.generator, Composer):
            if self.generator.name == self.grounded.name:
                return grounded
            return grounded.model_copy(
                update={
                    "text": self.generator.compose(self._entries(top), state.language),
                    "generator": self.generator.name,
                }
            )
        return self._write_llm(state, grounded)

    def _write_llm(self, state: _State, grounded: Draft) -> Draft:
        hits = self._sources(state)
        entries = self._entries(hits)
        values = {
            "group": self.group,
            "language": _LANGUAGE_NAMES[state.language],
            "sources": sources_block(entries),
            "post": quote(state.post),
        }
        messages = self.prompt.chat_template().format_messages(**values)
        system, user = (str(m.content) for m in messages)
        name = str(getattr(self.generator, "name", "llm"))
        try:
            text = self._call(system, user)
        except BackendError as exc:
            return grounded.model_copy(
                update={"fallback_from": name, "reason": f"generator failed: {exc}"}
            )
        if text.strip().upper().startswith(_ESCALATE_WORD):
            return self._holding(state, "the generator found no answer in the sources")
        problems = check_draft(
            text,
            sources=[entry_facts(e) for e in entries],
            post=state.post,
            instructions=system,
            product_names=[
                t.title for e in self.kb.entries if e.kind == "product" for t in e.text.values()
            ],
        )
        if problems:
            return grounded.model_copy(
                update={
                    "fallback_from": name,
                    "reason": "LLM draft rejected: " + "; ".join(problems),
                }
            )
        return Draft(
            text=text,
            language=state.language,
            citations=self._citations(hits),
            confidence=state.confidence,
            generator=name,
        )

    def _call(self, system: str, user: str) -> str:
        max_tokens, stop = self.settings.max_tokens, self.prompt.stop
        if isinstance(self.generator, ChatGenerator):
            raw = self.generator.chat(system, user, max_tokens=max_tokens, stop=stop)
        elif isinstance(self.generator, Generator):
            raw = self.generator.generate(f"{system}\n{user}", max_tokens=max_tokens, stop=stop)
        else:
            raise BackendError(f"{self.generator!r} is neither a composer nor a text generator")
        for marker in stop:
            raw = raw.split(marker, 1)[0]
        return raw.replace("<reply>", "").strip()


_DRAFTERS: OrderedDict[tuple[str, ...], Drafter] = OrderedDict()


def build_drafter(
    kb: KnowledgeBase,
    *,
    generator: Any = None,
    embedder: Embedder | None = None,
    settings: Settings | None = None,
    fast_embedder: Embedder | None = None,
) -> Drafter:
    """A drafter with the configured (or given) embedder and generator, cached by KB content,
    so a re-imported KB gets a fresh index and an unchanged one is not re-indexed."""
    settings = settings or get_settings()
    embedder_spec, generator_spec = settings.backends.embedder, settings.answering.generator
    fast_spec = settings.backends.fast_embedder
    key = (
        kb.fingerprint(),
        embedder_spec.model_dump_json() if embedder is None else f"object:{id(embedder)}",
        fast_spec.model_dump_json() if fast_embedder is None else f"object:{id(fast_embedder)}",
        generator_spec.model_dump_json() if generator is None else f"object:{id(generator)}",
    )
    if key not in _DRAFTERS:
        _DRAFTERS[key] = Drafter(
            kb,
            embedder=embedder or create("embedder", embedder_spec.name, **embedder_spec.options),
            generator=generator
            or create("generator", generator_spec.name, **generator_spec.options),
            settings=settings.answering,
            prompts_dir=settings.prompts_dir,
            fast_embedder=(fast_embedder or create("embedder", fast_spec.name, **fast_spec.options))
            if settings.answering.retrieval.fast_embedder_share > 0
            else None,
        )
        while len(_DRAFTERS) > 8:
            _DRAFTERS.popitem(last=False)
    return _DRAFTERS[key]


def draft_reply(
    kb: KnowledgeBase,
    post_text: str,
    analysis: Analysis | None = None,
    *,
    generator: Any = None,
    embedder: Embedder | None = None,
    settings: Settings | None = None,
    fast_embedder: Embedder | None = None,
) -> Draft:
    """Draft a reply to ``post_text`` from ``kb``: an answer with citations, or a holding reply
    marked for escalation. ``generator``, ``embedder`` and ``fast_embedder`` are backend objects
    (default: the configured ones, created when a KB is first indexed); a long-running process
    passes its own so the models load once."""
    drafter = build_drafter(
        kb, generator=generator, embedder=embedder, settings=settings, fast_embedder=fast_embedder
    )
    return drafter.draft(post_text, analysis)
