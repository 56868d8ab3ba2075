"""On-disk embedding cache keyed by (embedder, kind, text) content hash.

Reruns of training and evaluation embed each distinct text once. The cache is a SQLite file in
the data directory; it is safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.backends.base import Embedder, EmbeddingKind, Matrix

_LOCK = threading.Lock()
_CONNECTIONS: dict[Path, sqlite3.Connection] = {}
_OVERRIDE: bool | None = None
# Recent vectors in memory: several heads embed the same post with the same embedder.
_MEMORY: OrderedDict[str, np.ndarray] = OrderedDict()
_MEMORY_SIZE = 4096


def set_enabled(enabled: bool | None) -> None:
    """Force the disk cache on or off for this process; ``None`` returns to the setting."""
    global _OVERRIDE
    _OVERRIDE = enabled


def forget_recent() -> None:
    """Drop the in-memory vectors (speed measurements must not time cache hits)."""
    with _LOCK:
        _MEMORY.clear()


def _disk_cache_wanted(disk: bool | None) -> bool:
    if disk is not None:
        return disk
    if _OVERRIDE is not None:
        return _OVERRIDE
    from assistant.config import get_settings

    return get_settings().analysis.embedding_disk_cache


def _connection() -> sqlite3.Connection:
    from assistant.config import get_settings

    path = (get_settings().data_dir / "cache" / "embeddings.sqlite").resolve()
    if path not in _CONNECTIONS:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        _CONNECTIONS[path] = conn
    return _CONNECTIONS[path]


def _key(embedder: Embedder, kind: str, text: str) -> str:
    return hashlib.sha256(f"{embedder.name}\x1f{kind}\x1f{text}".encode()).hexdigest()


def cached_embed(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    kind: EmbeddingKind = "query",
    batch: int = 256,
    disk: bool | None = None,
) -> Matrix:
    """Embed ``texts``, reusing recent vectors from memory and, when wanted, from disk.

    Training and evaluation pass ``disk=True``; the service leaves it to
    ``analysis.embedding_disk_cache`` (off by default: new posts rarely repeat).
    """
    if not texts:
        return embedder.embed(texts, kind=kind)
    keys = [_key(embedder, kind, t) for t in texts]
    with _LOCK:
        found = {k: _MEMORY[k] for k in keys if k in _MEMORY}
    use_disk = _disk_cache_wanted(disk)
    if use_disk:
        found.update(_read_disk([k for k in dict.fromkeys(keys) if k not in found]))
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    text_of = dict(zip(keys, texts, strict=True))
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        vectors = embedder.embed([text_of[k] for k in chunk], kind=kind)
        if use_disk:
            _write_disk(chunk, vectors)
        found.update(zip(chunk, vectors, strict=True))
    _remember({k: found[k] for k in dict.fromkeys(keys)})
    return np.stack([found[k] for k in keys]).astype(np.float32)


def _read_disk(keys: list[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    with _LOCK:
        conn = _connection()
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk)
            found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
    return found


def _write_disk(keys: list[str], vectors: np.ndarray) -> None:
    with _LOCK:
        conn = _connection()
        conn.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
            [(k, v.astype(np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)],
        )
        conn.commit()


def _remember(vectors: dict[str, np.ndarray]) -> None:
    with _LOCK:
        for key in list(vectors)[-_MEMORY_SIZE:]:
            _MEMORY[key] = vectors[key]
            _MEMORY.move_to_end(key)
        while len(_MEMORY) > _MEMORY_SIZE:
            _MEMORY.popitem(last=False)
