"""Hybrid retrieval over a knowledge base: BM25 (bm25s) fused with dense embeddings.

Scores are absolute, not rank-based, so the fused top score can be calibrated into a
confidence: ``fused = w * dense' + (1 - w) * lexical'`` where ``dense'`` rescales each
embedder's cosine above its floor to 0..1 (mixing up to two embedders) and
``lexical' = bm25 / (bm25 + saturation)``.
"""

from __future__ import annotations

import math
import re

import bm25s
import numpy as np

from assistant.answering.glossary import Glossary
from assistant.answering.schemas import Hit, KBEntry, KnowledgeBase
from assistant.answering.tokenize import tokens
from assistant.backends.base import Embedder
from assistant.backends.cache import cached_embed
from assistant.config import ConfidenceSettings, RetrievalSettings
from assistant.text.arabizi import is_arabizi_word, transliterate
from assistant.text.language import detect_language
from assistant.text.normalize import normalize

_WORD = re.compile(r"[^\W_]+")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")


def _passages(entry: KBEntry) -> list[str]:
    """What the dense index holds for an entry: each language's title and body, and all of
    its languages and tags together."""
    per_language = [f"{t.title}\n{t.body}".strip() for t in entry.text.values()]
    combined = "\n".join([*per_language, " ".join(entry.tags)]).strip()
    return [*per_language, combined] if len(per_language) > 1 or entry.tags else per_language


def _lexical_document(entry: KBEntry) -> list[str]:
    words = [w for t in entry.text.values() for w in tokens(f"{t.title} {t.title} {t.body}")]
    return words + [w for tag in entry.tags for w in tokens(tag)] or ["<empty>"]


class _DenseIndex:
    """One embedder's vectors of every entry passage; an entry scores its best passage."""

    def __init__(self, embedder: Embedder, passages: list[str], owners: np.ndarray, n: int) -> None:
        self._embedder = embedder
        self._owners = owners
        self._n = n
        self._vectors = cached_embed(embedder, passages, kind="passage")

    def cosines(self, query: str) -> np.ndarray:
        best = np.full(self._n, -1.0, dtype=np.float32)
        if len(self._owners):
            scores = self._vectors @ cached_embed(self._embedder, [query], kind="query")[0]
            np.maximum.at(best, self._owners, scores)
        return best


class HybridIndex:
    """BM25 and dense indexes of one knowledge base; rebuild when its fingerprint changes."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        settings: RetrievalSettings,
        *,
        fast_embedder: Embedder | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        self.kb = kb
        self.fingerprint = kb.fingerprint()
        self._settings = settings
        self._glossary = glossary
        self._vocabulary = {w for e in kb.entries for w in _lexical_document(e)}
        if glossary is not None:
            self._vocabulary |= glossary.vocabulary
        self._bm25 = bm25s.BM25()
        if kb.entries:
            self._bm25.index([_lexical_document(e) for e in kb.entries], show_progress=False)
        owners: list[int] = []
        passages: list[str] = []
        for i, entry in enumerate(kb.entries):
            for passage in _passages(entry):
                owners.append(i)
                passages.append(passage)
        owner_array = np.asarray(owners, dtype=np.int64)
        n = len(kb.entries)
        self._dense = _DenseIndex(embedder, passages, owner_array, n)
        self._fast: _DenseIndex | None = None
        if fast_embedder is not None and settings.fast_embedder_share > 0:
            self._fast = _DenseIndex(fast_embedder, passages, owner_array, n)

    def _known(self, word: str) -> float:
        """How well the KB (and glossary) knows an Arabic spelling: 2 as is, 1 by a stem."""
        if word in self._vocabulary:
            return 2.0
        return 1.0 if set(tokens(word)) & self._vocabulary else 0.0

    def arabizi_reading(self, query: str) -> str | None:
        """The Arabic-script reading of an Arabizi question (spellings the KB knows preferred),
        or ``None`` when the question is not Arabizi."""
        if not self._settings.arabizi or _ARABIC_LETTER.search(query):
            return None
        words = re.findall(r"[a-z0-9']+", query.lower())
        if not words:
            return None
        if not any(is_arabizi_word(w) for w in words) and detect_language(query).code != "arabizi":
            return None
        return transliterate(query, self._known) or None

    def _cosines(self, index: _DenseIndex, queries: list[str]) -> np.ndarray:
        best = index.cosines(queries[0])
        for extra in queries[1:]:
            best = np.maximum(best, index.cosines(extra))
        return best

    def _dense_scores(self, queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(0..1 dense score, raw cosine of the main embedder) per entry; with several readings
        of the question (Arabizi and its transliteration) each entry keeps its best."""
        s = self._settings
        cosine = self._cosines(self._dense, queries)
        scaled = np.clip((cosine - s.dense_floor) / (1 - s.dense_floor), 0, 1)
        if self._fast is not None:
            fast = self._cosines(self._fast, queries)
            floor = s.fast_embedder_floor
            fast_scaled = np.clip((fast - floor) / (1 - floor), 0, 1)
            share = s.fast_embedder_share
            scaled = (1 - share) * scaled + share * fast_scaled
        return scaled, cosine

    def _lexical(self, query: str, reading: str | None = None) -> np.ndarray:
        query_tokens = tokens(query)
        if reading:
            query_tokens += [t for t in tokens(reading) if t not in query_tokens]
        if self._glossary is not None:
            query_tokens = self._glossary.expand(query_tokens)
        if not query_tokens or not self.kb.entries:
            return np.zeros(len(self.kb.entries), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)

    def unknown_share(self, query: str) -> float:
        """Share of the question's words that neither the KB nor the glossary knows: a question
        about shoes in an abaya shop's KB has a high share. An Arabizi question is measured by
        its Arabic-script reading."""
        reading = self.arabizi_reading(query)
        words = [w for w in _WORD.findall(normalize(reading or query).normalized) if tokens(w)]
        if not words:
            return 0.0
        unknown = [w for w in words if not set(tokens(w)) & self._vocabulary]
        return len(unknown) / len(words)

    def search(self, query: str, *, k: int | None = None) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first."""
        if not self.kb.entries:
            return []
        s = self._settings
        reading = self.arabizi_reading(query)
        dense_scaled, dense = self._dense_scores([query, reading] if reading else [query])
        bm25 = self._lexical(query, reading)
        lexical = bm25 / (bm25 + s.lexical_saturation)
        fused = s.dense_weight * dense_scaled + (1 - s.dense_weight) * lexical
        order = np.argsort(-fused, kind="stable")[: k or s.top_k]
        lexical_rank = _ranks(lexical)
        dense_rank = _ranks(dense_scaled)
        return [
            Hit(
                entry_id=self.kb.entries[i].id,
                score=round(float(fused[i]), 4),
                lexical=round(float(lexical[i]), 4),
                dense=round(float(dense[i]), 4),
                lexical_rank=int(lexical_rank[i]),
                dense_rank=int(dense_rank[i]),
            )
            for i in order
        ]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of every entry by ``scores`` (ties share the better rank)."""
    return np.asarray([int((scores > v).sum()) + 1 for v in scores], dtype=np.int64)


def confidence(
    hits: list[Hit], settings: ConfidenceSettings, *, unknown_share: float = 0.0
) -> float:
    """Calibrated probability that the top hit answers the question: logistic in the fused top
    score, its margin over the runner-up, whether the lexical and dense rankers agree on it, and
    the share of question words nobody knows."""
    if not hits:
        return 0.0
    top = hits[0]
    margin = top.score - hits[1].score if len(hits) > 1 else 0.0
    agree = 1.0 if top.lexical_rank == 1 and top.dense_rank == 1 else 0.0
    z = (
        settings.slope * (top.score - settings.center)
        + settings.margin_weight * margin
        + settings.agreement_weight * agree
        - settings.unknown_weight * unknown_share
    )
    return round(1 / (1 + math.exp(-z)), 4)
