"""Deterministic fakes for fast unit tests, registered like the real backends."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from assistant.backends.base import EmbeddingKind, Matrix, l2_normalize
from assistant.backends.registry import register
from assistant.text.normalize import normalize


class FakeEmbedder:
    """Bag of hashed character trigrams: similar strings get similar vectors."""

    name = "fake-embedder"

    def __init__(self, *, dim: int = 64) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        folded = f"  {normalize(text).normalized}  "
        for i in range(len(folded) - 2):
            digest = hashlib.blake2b(folded[i : i + 3].encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        return vector

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "query") -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(np.stack([self._vector(t) for t in texts]))


class KeywordClassifier:
    """Scores each label by keyword hits; the fallback label wins when nothing matches."""

    def __init__(
        self,
        *,
        keywords: dict[str, list[str]],
        fallback: str,
        name: str = "",
        reads_arabizi: bool = False,
    ) -> None:
        self.name = name or "fake-keywords"
        self.reads_arabizi = reads_arabizi
        self.labels = sorted({*keywords, fallback})
        self._fallback = fallback
        self._patterns = {
            label: re.compile("|".join(re.escape(normalize(w).folded) for w in words))
            for label, words in keywords.items()
            if words
        }

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        rows = []
        for text in texts:
            folded = normalize(text).folded
            hits = {label: len(p.findall(folded)) for label, p in self._patterns.items()}
            counts = {label: float(hits.get(label, 0)) for label in self.labels}
            if not any(counts.values()):
                counts[self._fallback] = 1.0
            total = sum(counts.values()) + 0.1 * len(self.labels)
            rows.append({label: (c + 0.1) / total for label, c in counts.items()})
        return rows


class EchoGenerator:
    """Returns a fixed reply, or the prompt's last line, so chains can be tested offline."""

    name = "fake-generator"

    def __init__(self, *, reply: str | None = None) -> None:
        self._reply = reply

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        text = self._reply if self._reply is not None else prompt.strip().splitlines()[-1]
        for marker in stop:
            text = text.split(marker, 1)[0]
        return text[: max_tokens * 4]


@register("embedder", "fake")
def create_embedder(*, dim: int = 64) -> FakeEmbedder:
    return FakeEmbedder(dim=dim)


@register("classifier", "fake-keywords")
def create_classifier(
    *, keywords: dict[str, list[str]], fallback: str, name: str = "", reads_arabizi: bool = False
) -> KeywordClassifier:
    return KeywordClassifier(
        keywords=keywords, fallback=fallback, name=name, reads_arabizi=reads_arabizi
    )


@register("generator", "fake")
def create_generator(*, reply: str | None = None) -> EchoGenerator:
    return EchoGenerator(reply=reply)
