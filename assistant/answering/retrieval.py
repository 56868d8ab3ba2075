"""Hybrid retrieval over a knowledge base: BM25 (bm25s) fused with dense embeddings.

Scores are absolute, not rank-based, so the fused top score can be calibrated into a
confidence: ``fused = w * dense' + (1 - w) * lexical'`` where ``dense'`` rescales each
embedder's cosine above its floor to 0..1 (mixing up to two embedders) and
``lexical' = bm25 / (bm25 + saturation)``.
"""

from __future__ import annotations

import math
import re
from collections import Counter

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


def _example_key(text: str) -> str:
    return normalize(text).normalized


class _DenseIndex:
    """One embedder's vectors of every entry passage; an entry scores its best passage."""

    def __init__(self, embedder: Embedder, passages: list[str], owners: np.ndarray, n: int) -> None:
        self._embedder = embedder
        self._owners = owners
        self._n = n
        self._vectors = cached_embed(embedder, passages, kind="passage")

    def cosines(self, query: str, *, skip: np.ndarray | None = None) -> np.ndarray:
        """Each entry's best cosine to ``query``; passages where ``skip`` is true are ignored."""
        best = np.full(self._n, -1.0, dtype=np.float32)
        if len(self._owners):
            scores = self._vectors @ cached_embed(self._embedder, [query], kind="query")[0]
            if skip is not None:
                scores = np.where(skip, -1.0, scores)
            np.maximum.at(best, self._owners, scores)
        return best


class _ExampleIndex:
    """The entries' example questions, each a passage of its own (dense, under both embedders,
    and BM25); an entry scores its best example. Members' wording matches members' wording, in
    their dialect, better than the answer's wording does."""

    def __init__(
        self, kb: KnowledgeBase, embedder: Embedder, fast_embedder: Embedder | None
    ) -> None:
        n = len(kb.entries)
        pairs = [(i, ex) for i, entry in enumerate(kb.entries) for ex in entry.examples]
        self.size = len(pairs)
        self._owners = np.asarray([i for i, _ in pairs], dtype=np.int64)
        texts = [ex for _, ex in pairs]
        self._keys = np.asarray([_example_key(t) for t in texts], dtype=object)
        self._n = n
        self.dense = _DenseIndex(embedder, texts, self._owners, n) if pairs else None
        self.fast = (
            _DenseIndex(fast_embedder, texts, self._owners, n)
            if pairs and fast_embedder is not None
            else None
        )
        self._bm25 = bm25s.BM25()
        if pairs:
            self._bm25.index([tokens(t) or ["<empty>"] for t in texts], show_progress=False)

    def texts_like(self, query: str) -> list[str]:
        """The example questions that are ``query`` itself, as normalized text."""
        return [str(k) for k in self._keys[self.skip_mask(query)]] if self.size else []

    def skip_mask(self, query: str) -> np.ndarray:
        """The examples that are the question itself (leave-one-out evaluation)."""
        return np.asarray(self._keys == _example_key(query), dtype=bool)

    def bm25(self, query_tokens: list[str], skip: np.ndarray | None) -> np.ndarray:
        best = np.zeros(self._n, dtype=np.float32)
        if self.size and query_tokens:
            scores = np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)
            if skip is not None:
                scores = np.where(skip, 0.0, scores)
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
        # Words known only from example questions, by how many examples use them, so that a
        # left-out example (evaluation) takes its words with it.
        self._example_words = Counter(
            w for e in kb.entries for ex in e.examples for w in set(tokens(ex))
        )
        self._position = {e.id: i for i, e in enumerate(kb.entries)}
        self._entry_known = [self._known_by(e) for e in kb.entries]
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
        self._examples = _ExampleIndex(
            kb, embedder, fast_embedder if settings.fast_embedder_share > 0 else None
        )

    def _known(self, word: str) -> float:
        """How well the KB (and glossary) knows an Arabic spelling: 2 as is, 1 by a stem."""
        if word in self._vocabulary or self._example_words[word] > 0:
            return 2.0
        stems = set(tokens(word))
        return 1.0 if stems & self._vocabulary or stems & self._example_words.keys() else 0.0

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

    @staticmethod
    def _cosines(
        index: _DenseIndex, queries: list[str], skip: np.ndarray | None = None
    ) -> np.ndarray:
        best = index.cosines(queries[0], skip=skip)
        for extra in queries[1:]:
            best = np.maximum(best, index.cosines(extra, skip=skip))
        return best

    def _mixed(
        self,
        main: _DenseIndex,
        fast: _DenseIndex | None,
        queries: list[str],
        skip: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(0..1 dense score, raw cosine of the main embedder) per entry; with several readings
        of the question (Arabizi and its transliteration) each entry keeps its best."""
        s = self._settings
        cosine = self._cosines(main, queries, skip)
        scaled = np.clip((cosine - s.dense_floor) / (1 - s.dense_floor), 0, 1)
        if fast is not None:
            fast_cosine = self._cosines(fast, queries, skip)
            floor = s.fast_embedder_floor
            fast_scaled = np.clip((fast_cosine - floor) / (1 - floor), 0, 1)
            share = s.fast_embedder_share
            scaled = (1 - share) * scaled + share * fast_scaled
        return scaled, cosine

    def _dense_scores(
        self, queries: list[str], skip: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The entries' own dense score, raised towards their best example question's by
        ``examples_weight``; and the main embedder's raw cosine (entry or example)."""
        scaled, cosine = self._mixed(self._dense, self._fast, queries)
        examples = self._examples
        if examples.dense is None:
            return scaled, cosine
        example_scaled, example_cosine = self._mixed(examples.dense, examples.fast, queries, skip)
        weight = self._settings.examples_weight
        raised = (1 - weight) * scaled + weight * np.maximum(scaled, example_scaled)
        return raised, np.maximum(cosine, example_cosine)

    def _lexical(
        self, query: str, reading: str | None = None, skip: np.ndarray | None = None
    ) -> np.ndarray:
        """BM25 of the entry, or of its best example question when that is higher."""
        query_tokens = tokens(query)
        if reading:
            query_tokens += [t for t in tokens(reading) if t not in query_tokens]
        if self._glossary is not None:
            query_tokens = self._glossary.expand(query_tokens)
        if not query_tokens or not self.kb.entries:
            return np.zeros(len(self.kb.entries), dtype=np.float32)
        own = np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)
        return np.maximum(own, self._examples.bm25(query_tokens, skip))

    def _question_words(self, query: str) -> list[str]:
        """The question's words that carry tokens, normalized; an Arabizi question's are those
        of its Arabic-script reading."""
        reading = self.arabizi_reading(query)
        return [w for w in _WORD.findall(normalize(reading or query).normalized) if tokens(w)]

    def unknown_share(self, query: str, *, leave_out_examples: bool = False) -> float:
        """Share of the question's words that neither the KB, its example questions nor the
        glossary knows: a question about shoes in an abaya shop's KB has a high share. An
        Arabizi question is measured by its Arabic-script reading."""
        words = self._question_words(query)
        if not words:
            return 0.0
        from_examples = self._example_words
        if leave_out_examples:
            own = self._examples.texts_like(query)
            from_examples = from_examples - Counter(w for ex in own for w in set(tokens(ex)))
        unknown = [
            w
            for w in words
            if not any(t in self._vocabulary or from_examples[t] > 0 for t in tokens(w))
        ]
        return len(unknown) / len(words)

    def entry_unknown_share(
        self, query: str, entry_id: str, *, leave_out_examples: bool = False
    ) -> float:
        """Share of the question's words that one entry does not know (its own words, its
        example questions', their glossary synonyms and general post words). A question whose
        topic the KB has but whose detail it lacks ("do you ship to Egypt?" against a Gulf
        shipping entry) leaves words this entry does not know, though the KB may know them."""
        position = self._position.get(entry_id)
        words = self._question_words(query)
        if position is None or not words:
            return 0.0
        known = self._entry_known[position]
        if leave_out_examples and self._examples.texts_like(query):
            known = self._known_by(self.kb.entries[position], leave_out=query)
        unknown = [w for w in words if not set(tokens(w)) & known]
        return len(unknown) / len(words)

    def _known_by(self, entry: KBEntry, *, leave_out: str | None = None) -> frozenset[str]:
        """The words an entry knows: its own and its example questions' (but ``leave_out``'s
        wording), with their glossary synonyms, and the general post words."""
        skip = _example_key(leave_out) if leave_out is not None else None
        words = set(_lexical_document(entry))
        for example in entry.examples:
            if _example_key(example) != skip:
                words.update(tokens(example))
        if self._glossary is None:
            return frozenset(words)
        return frozenset(self._glossary.expand(sorted(words))) | self._glossary.fillers

    def search(
        self, query: str, *, k: int | None = None, leave_out_examples: bool = False
    ) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first. ``leave_out_examples`` ignores
        example questions identical to ``query`` (evaluation of questions that are examples)."""
        if not self.kb.entries:
            return []
        s = self._settings
        skip = self._examples.skip_mask(query) if leave_out_examples else None
        reading = self.arabizi_reading(query)
        dense_scaled, dense = self._dense_scores([query, reading] if reading else [query], skip)
        bm25 = self._lexical(query, reading, skip)
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
    hits: list[Hit],
    settings: ConfidenceSettings,
    *,
    unknown_share: float = 0.0,
    entry_unknown_share: float = 0.0,
) -> float:
    """Calibrated probability that the top hit answers the question: logistic in the fused top
    score, its margin over the runner-up, whether the lexical and dense rankers agree on it, the
    share of question words nobody knows and the share the top entry does not know."""
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
        - settings.entry_unknown_weight * entry_unknown_share
    )
    return round(1 / (1 + math.exp(-z)), 4)
