"""The embedding cache: memory reuse across heads, the disk cache when asked."""

from collections.abc import Sequence

import numpy as np

from assistant.backends import cache
from assistant.backends.fakes import FakeEmbedder


class CountingEmbedder(FakeEmbedder):
    def __init__(self, name: str) -> None:
        super().__init__(dim=16)
        self.name = name
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str], *, kind: str = "query") -> np.ndarray:  # type: ignore[override]
        self.calls.append(len(texts))
        return super().embed(texts)


def test_repeated_texts_are_embedded_once_in_memory() -> None:
    embedder = CountingEmbedder("counting-memory")
    first = cache.cached_embed(embedder, ["مرحبا", "hello", "مرحبا"], disk=False)
    second = cache.cached_embed(embedder, ["hello", "new"], disk=False)
    assert embedder.calls == [2, 1]
    assert np.allclose(first[0], first[2]) and np.allclose(first[1], second[0])


def test_disk_cache_survives_the_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    embedder = CountingEmbedder("counting-disk")
    texts = [f"post {i}" for i in range(10)]
    vectors = cache.cached_embed(embedder, texts, disk=True)
    cache._MEMORY.clear()
    again = cache.cached_embed(embedder, texts, disk=True)
    assert embedder.calls == [10]
    assert np.allclose(vectors, again)


def test_query_and_passage_vectors_are_kept_apart() -> None:
    embedder = CountingEmbedder("counting-kinds")
    cache.cached_embed(embedder, ["x"], kind="query", disk=False)
    cache.cached_embed(embedder, ["x"], kind="passage", disk=False)
    assert embedder.calls == [1, 1]
