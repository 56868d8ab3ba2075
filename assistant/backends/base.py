"""The three model protocols every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

EmbeddingKind = Literal["query", "passage"]
Matrix = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Texts → L2-normalized float32 vectors, one row per text."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "query") -> Matrix: ...


@runtime_checkable
class TextClassifier(Protocol):
    """Texts → one probability per label for each text (rows sum to 1 for single-label)."""

    name: str
    labels: list[str]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]: ...


@runtime_checkable
class Generator(Protocol):
    """A prompt → a completion. Base models need ``stop`` strings."""

    name: str

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str: ...


def l2_normalize(matrix: npt.NDArray[np.floating]) -> Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)
