"""``llama-cpp``: a local GGUF model through llama-cpp-python (optional, built from source)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.backends.errors import BackendNotInstalledError, ModelFileMissingError
from assistant.backends.registry import register


class LlamaCppGenerator:
    def __init__(self, model: Any, path: Path) -> None:
        self.name = f"llama-cpp:{path.name}"
        self._model = model

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        out = self._model(prompt, max_tokens=max_tokens, stop=list(stop), temperature=temperature)
        return str(out["choices"][0]["text"])


@register("generator", "llama-cpp")
def create(
    *, model_path: str | None = None, n_ctx: int = 4096, threads: int = 1
) -> LlamaCppGenerator:
    path = Path(model_path or "")
    if not model_path or not path.is_file():
        raise ModelFileMissingError(
            "llama-cpp",
            str(model_path),
            "Set answering.generator.options.model_path to a .gguf file "
            '(e.g. MUSHRIF_ANSWERING__GENERATOR__OPTIONS=\'{"model_path": "/models/m.gguf"}\').',
        )
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise BackendNotInstalledError("llama-cpp", "llama-cpp-python==0.3.36") from exc
    model = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, verbose=False)
    return LlamaCppGenerator(model, path)
